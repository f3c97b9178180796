// Files imported as text (`with { type: "text" }`): the browser's own modules and stylesheet,
// embedded in the binary and served as they are.
declare module "*.mjs" {
  const text: string;
  export default text;
}
declare module "*.css" {
  const text: string;
  export default text;
}
