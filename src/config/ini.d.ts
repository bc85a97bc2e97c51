// The `ini` package ships no types; this declares the one function the
// instrument table uses (src/config/instruments.ts). Delete it if @types/ini
// is ever added as a dev dependency.
declare module "ini" {
  /** Sections become nested objects; values are strings, `true`/`false`/`null`, or arrays for `key[]`. */
  export function parse(text: string): Record<string, unknown>;
}
