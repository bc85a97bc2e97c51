// The one door to system commands (systemctl, restorecon, selinuxenabled,
// stat). The installer only asks a Runner, so tests can stand in for a
// running systemd and SELinux, which a build machine does not have; under
// `--root DIR` no Runner exists at all and no command can run.

export interface CommandResult {
  /** Exit status; 127 when the command does not exist. */
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface Runner {
  run(argv: readonly string[]): Promise<CommandResult>;
}

/** Runs commands for real, waiting for each; a missing program is exit 127, not an exception. */
export const systemRunner: Runner = {
  async run(argv) {
    try {
      const proc = Bun.spawn([...argv], { stdin: "ignore", stdout: "pipe", stderr: "pipe" });
      const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
      return { code, stdout, stderr };
    } catch (error) {
      return { code: 127, stdout: "", stderr: error instanceof Error ? error.message : String(error) };
    }
  },
};
