/**
 * The one YAML writer every renderer uses. Output is a pure function of the value: keys keep
 * the order in which the renderer built them (nothing is sorted), long lines are never
 * folded, repeated objects are written out again instead of as anchors/aliases, and Jinja
 * templates (`{{ … }}`, `{% … %}`) are always double-quoted.
 *
 * The reader on the other side is Python's PyYAML (Synapse loads its config with it), which
 * speaks YAML 1.1: plain `yes`, `on`, `off` or `2001-12-14` would come back as booleans or
 * dates there. Writing with the YAML 1.1 schema makes the library quote such strings.
 */
import { Document, Scalar, visit } from "yaml";

const JINJA = /\{\{|\{%/;

/**
 * Serialises `value` as one YAML document. `headerComment` (may span several lines) is
 * written first as `#` comment lines, followed by a blank line.
 */
export function toYaml(value: unknown, headerComment?: string): string {
  const doc = new Document(value, { version: "1.1", aliasDuplicateObjects: false, keepUndefined: false });
  visit(doc, {
    Scalar(_key, node) {
      if (typeof node.value === "string" && JINJA.test(node.value)) node.type = Scalar.QUOTE_DOUBLE;
    },
  });
  if (headerComment !== undefined && headerComment.length > 0) {
    doc.commentBefore = headerComment
      .split("\n")
      .map((line) => (line.length > 0 ? ` ${line}` : ""))
      .join("\n");
  }
  return doc.toString({ lineWidth: 0, minContentWidth: 0, indent: 2, indentSeq: true });
}
