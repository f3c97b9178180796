// Types for the parts of mvdan-sh (mvdan/sh compiled to JS by GopherJS) that parse.ts reads.
declare module "mvdan-sh" {
  /** Every node carries its Go type name, e.g. "mvdan.cc/sh/v3/syntax.*CallExpr". */
  export interface GoNode {
    readonly $type: string;
    Pos(): GoPos;
    End(): GoPos;
  }
  export interface GoPos {
    Offset(): number;
  }
  export interface GoParser {
    Parse(src: string, name: string): GoFile;
  }
  export interface GoParseError {
    Error(): string;
  }
  export interface GoFile extends GoNode {
    Stmts: GoStmt[];
  }
  export interface GoStmt extends GoNode {
    Cmd: GoNode | null;
    Redirs: GoRedirect[];
    Background: boolean;
    Coprocess: boolean;
  }
  export interface GoRedirect extends GoNode {
    Op: number;
    N: GoLit | null;
    Word: GoWord | null;
    Hdoc: GoWord | null;
  }
  export interface GoWord extends GoNode {
    Parts: GoNode[];
  }
  export interface GoLit extends GoNode {
    Value: string;
  }
  export interface GoAssign extends GoNode {
    Naked: boolean;
    Append: boolean;
    Name: GoLit | null;
    Index: GoNode | null;
    Value: GoWord | null;
    Array: { Elems: { Value: GoWord | null }[] } | null;
  }
  export const syntax: {
    NewParser(): GoParser;
    Walk(node: GoNode, visit: (node: GoNode | null) => boolean): void;
  };
  const mvdan: { syntax: typeof syntax };
  export default mvdan;
}
