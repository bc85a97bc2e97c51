import pkg from "../package.json" with { type: "json" };

// Set by script/build.ts through `define`; absent when running from source.
declare const ISIS_COMP_DATE: string | undefined;
declare const ISIS_COMP_TIME: string | undefined;

export const VERSION: string = pkg.version;
export const COMP_DATE: string = typeof ISIS_COMP_DATE === "string" ? ISIS_COMP_DATE : "source";
export const COMP_TIME: string = typeof ISIS_COMP_TIME === "string" ? ISIS_COMP_TIME : "source";

/** The `-v` line, in the old server's format. */
export const versionLine = (): string => `isis version ${VERSION} (${COMP_DATE} ${COMP_TIME})`;
