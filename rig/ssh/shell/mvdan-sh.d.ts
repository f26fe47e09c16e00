/**
 * Types for the parts of `mvdan-sh` (mvdan/sh's `syntax` package compiled to JS with
 * GopherJS; the package ships no types) that syntax.ts uses: the parser and the nodes
 * of its tree (https://pkg.go.dev/mvdan.cc/sh/v3/syntax). Go slices arrive as arrays,
 * nil as null, positions as objects with methods.
 */
declare module 'mvdan-sh' {
  export interface MvPos {
    Offset(): number;
    Line(): number;
  }
  /** Any node of the tree; which fields exist depends on syntax.NodeType(node). */
  export interface MvNode {
    Pos(): MvPos;
    End(): MvPos;
    Stmts?: MvNode[];
    Cmd?: MvNode | null;
    Negated?: boolean;
    Background?: boolean;
    Coprocess?: boolean;
    Redirs?: MvNode[];
    Args?: MvNode[];
    Assigns?: MvNode[];
    Name?: MvNode | null;
    Value?: MvNode | string | null;
    Append?: boolean;
    Naked?: boolean;
    Index?: MvNode | null;
    Array?: MvNode | null;
    Parts?: MvNode[];
    Dollar?: boolean;
    Param?: MvNode | null;
    Short?: boolean;
    Excl?: boolean;
    Length?: boolean;
    Width?: boolean;
    Slice?: MvNode | null;
    Repl?: MvNode | null;
    Names?: number;
    Exp?: { Op: number; Word: MvNode | null } | null;
    Op?: number;
    N?: MvNode | null;
    Word?: MvNode | null;
    Hdoc?: MvNode | null;
    X?: MvNode;
    Y?: MvNode;
    Cond?: MvNode[];
    Then?: MvNode[];
    Else?: MvNode | null;
    Loop?: MvNode;
    Do?: MvNode[];
    Until?: boolean;
    Items?: MvNode[];
  }
  export interface MvParser {
    /** Throws a Go error object (its message: `.Error()`) on a syntax error. */
    Parse(src: string, name: string): MvNode;
  }
  export interface MvSyntax {
    NewParser(...options: unknown[]): MvParser;
    Variant(lang: unknown): unknown;
    KeepComments(keep: boolean): unknown;
    LangPOSIX: unknown;
    NodeType(node: MvNode): string;
  }
  const sh: { syntax: MvSyntax };
  export default sh;
}
