// Pieces shared by several subcommands.

/** Bad command-line use: main.ts prints the message as one line and exits with exitCode. */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = "UsageError";
  }
}
