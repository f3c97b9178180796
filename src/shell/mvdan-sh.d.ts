// Types for mvdan-sh (mvdan/sh compiled to JS by GopherJS): the parser, and the raw GopherJS
// structs behind its nodes, which parse.ts reads directly (see the note there).
declare module "mvdan-sh" {
  export interface GoParser {
    Parse(src: string, name: string): { __internal_object__: unknown };
  }
  export interface GoParseError {
    Error(): string;
  }
  export const syntax: {
    NewParser(): GoParser;
  };
  const mvdan: { syntax: typeof syntax };
  export default mvdan;
}
