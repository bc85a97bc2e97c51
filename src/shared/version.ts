import pkg from "../../package.json" with { type: "json" };

// Set by script/build.ts through `define`; absent when running from source.
declare const ISIS_COMP_DATE: string | undefined;
declare const ISIS_COMP_TIME: string | undefined;
declare const ISIS_COMMIT: string | undefined;

export const VERSION: string = pkg.version;
export const COMP_DATE: string = typeof ISIS_COMP_DATE === "string" ? ISIS_COMP_DATE : "source";
export const COMP_TIME: string = typeof ISIS_COMP_TIME === "string" ? ISIS_COMP_TIME : "source";
/** The git commit built, 12 hex digits (`-dirty`: with uncommitted changes), so a binary in the field names its source. */
const COMMIT: string = typeof ISIS_COMMIT === "string" ? ISIS_COMMIT : "source";

/** The `-v` line: the old server's format, then the commit. */
export const versionLine = (): string => `isis version ${VERSION} (${COMP_DATE} ${COMP_TIME}) commit ${COMMIT}`;
