// YAML syntax errors as one diagnostic per mistake. The yaml library often
// reports a mistake several times (a bad indent gives "Nested mappings are not
// allowed in compact mappings" and "Implicit keys need to be on a single
// line" at once) and sometimes where it noticed it rather than where it is (an
// unclosed quote, at the end of the file): both are sorted out here.
import { isScalar, visit, type Document, type LineCounter, type YAMLError } from 'yaml';
import { rangeOf, type Range } from './tree';

export const YAML_PREFIX = (file: string): string => `Unable to push app because manifest ${file} is not valid yaml.`;

const YAML_HINT = "Check the indentation, quotes and colons at that spot; a YAML linter or the editor's Problems view shows the exact character.";

export interface SyntaxProblem {
  message: string;
  hint: string;
  range: Range;
  /** First and last line the mistake garbles: other checks say nothing there. */
  lines: [number, number];
}

export function syntaxProblems(text: string, doc: Document, lc: LineCounter, file: string): SyntaxProblem[] {
  const errors = [...doc.errors].sort((a, b) => a.pos[0] - b.pos[0]);
  // Errors starting on lines an earlier one already spans are that one's echoes.
  const groups: { errors: YAMLError[]; lines: [number, number] }[] = [];
  for (const e of errors) {
    const from = lc.linePos(e.pos[0]).line;
    const to = lc.linePos(Math.max(e.pos[1] - 1, e.pos[0])).line;
    const last = groups[groups.length - 1];
    if (last && from <= last.lines[1]) {
      last.errors.push(e);
      last.lines[1] = Math.max(last.lines[1], to);
    } else groups.push({ errors: [e], lines: [from, to] });
  }
  return groups.map((g) => describe(text, doc, lc, file, g.errors, g.lines));
}

function describe(text: string, doc: Document, lc: LineCounter, file: string, errors: YAMLError[], lines: [number, number]): SyntaxProblem {
  const prefix = YAML_PREFIX(file);
  const lineText = (n: number): string => text.split(/\r?\n/)[n - 1] ?? '';
  const at = (e: YAMLError): Range => rangeOf(lc, e.pos[0], Math.max(e.pos[1], e.pos[0]));
  const first = errors[0]!;
  const tab = errors.find((e) => e.code === 'TAB_AS_INDENT');
  if (tab) return { message: `${prefix} ${tab.message}`, hint: 'Indent with spaces only.', range: at(tab), lines };

  if (first.code === 'MULTIPLE_DOCS') {
    return {
      message: `${prefix} It holds more than one YAML document (a '---' line starts the next one here); a manifest is one document.`,
      hint: "Remove the '---' line, or split the file into one manifest per document and push each with -f.",
      range: at(first),
      lines,
    };
  }

  // `memory: 256` followed by an over-indented `   instances: 2`: YAML reads both
  // lines as one plain value used as a key. The mistake is the second line's indent.
  const multiline = errors.find((e) => e.code === 'MULTILINE_IMPLICIT_KEY');
  if (multiline) {
    const keyLine = lc.linePos(multiline.pos[0]).line;
    const next = keyLine + 1;
    const indent = /^\s*/.exec(lineText(next))![0].length;
    const siblingCol = /^\s*(?:-\s+)?/.exec(lineText(keyLine))![0].length + 1;
    const content = lineText(next).trimEnd();
    return {
      message: `${prefix} Line ${next} is indented more than the line above it, so YAML reads it as part of the value on line ${keyLine}.`,
      hint: `Start line ${next} at column ${siblingCol}, like the key on line ${keyLine}, or join the two lines if they are one value.`,
      range: { start: { line: next, col: indent + 1 }, end: { line: next, col: Math.max(content.length, indent) + 1 } },
      lines,
    };
  }

  // An unclosed quote is noticed at the end of the file; the mistake is where it opens.
  if (first.code === 'MISSING_CHAR' && /closing .?quote/i.test(first.message)) {
    let open: number | undefined;
    visit(doc, {
      Scalar(_, node) {
        if (isScalar(node) && (node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE') && node.range && node.range[0] < first.pos[0]) {
          open = node.range[0];
        }
      },
    });
    if (open !== undefined) {
      const range = rangeOf(lc, open, open + 1);
      return {
        message: `${prefix} The quote opened here is never closed, so the rest of the file is read as part of this value.`,
        hint: `Add the closing ${text[open]} where the value ends on line ${range.start.line}, or remove the opening one.`,
        range,
        lines: [range.start.line, lc.linePos(text.length).line],
      };
    }
  }
  return { message: `${prefix} ${first.message}`, hint: YAML_HINT, range: at(first), lines };
}
