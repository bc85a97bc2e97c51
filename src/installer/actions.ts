// A plan is a list of Actions: printed as they are for --dry-run, or carried
// out one by one by execute.ts. Paths are target paths (as on the installed
// system); a staging root is applied only when files are touched.

export type Action =
  /** mkdir -p, 0755. */
  | { readonly kind: "mkdir"; readonly path: string }
  /** Copy `from` to a new file beside `path`, then rename it into place (labels; "text file busy"). */
  | { readonly kind: "copy"; readonly from: string; readonly path: string; readonly mode: number }
  /** Write `text` to a new file beside `path`, then rename it into place. */
  | { readonly kind: "write"; readonly path: string; readonly text: string; readonly mode: number }
  /** A symlink made beside `path` and renamed over it. */
  | { readonly kind: "symlink"; readonly path: string; readonly target: string }
  | { readonly kind: "remove"; readonly path: string; readonly why: string }
  /** Remove a directory that is empty (after the removals before it). */
  | { readonly kind: "rmdir"; readonly path: string }
  /** A system command; a non-zero exit stops the plan and prints the hints. */
  | { readonly kind: "run"; readonly argv: readonly string[]; readonly hints?: readonly string[] }
  /** The file's SELinux type must be `type` (a moved-in binary keeps a label systemd cannot execute). */
  | { readonly kind: "check-label"; readonly path: string; readonly type: string; readonly hints: readonly string[] }
  /** Report `systemctl is-active`; when required, anything but "active" is a failure. */
  | { readonly kind: "check-active"; readonly unit: string; readonly required: boolean; readonly hints: readonly string[] }
  /** Something the user should know; changes nothing. */
  | { readonly kind: "note"; readonly level: "info" | "warn"; readonly text: string };

const octal = (mode: number) => `0${mode.toString(8)}`;

/** One line saying what the action does, in the imperative. */
export function describe(action: Action): string {
  switch (action.kind) {
    case "mkdir":
      return `create directory ${action.path}`;
    case "copy":
      return `install ${action.path} (copy of ${action.from}, mode ${octal(action.mode)})`;
    case "write":
      return `write ${action.path} (mode ${octal(action.mode)})`;
    case "symlink":
      return `link ${action.path} -> ${action.target}`;
    case "remove":
      return `remove ${action.path} (${action.why})`;
    case "rmdir":
      return `remove directory ${action.path}`;
    case "run":
      return `run: ${action.argv.join(" ")}`;
    case "check-label":
      return `check the SELinux type of ${action.path} is ${action.type}`;
    case "check-active":
      return `check: systemctl is-active ${action.unit}`;
    case "note":
      return action.text;
  }
}
