// Install assets embedded with `import ... with { type: "text" }` (see assets.ts). Not named assets.d.ts: beside assets.ts TypeScript would ignore it..
declare module "*/install/isis.service" {
  const text: string;
  export default text;
}
declare module "*/install/instruments.ini" {
  const text: string;
  export default text;
}
