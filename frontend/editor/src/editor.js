// The SPARQL editor of `kg serve`: CodeMirror 6 with SPARQL highlighting, completion of the
// graph's prefixes and ontology terms, and Ctrl/Cmd+Enter to run. Bundled by esbuild into
// pipeline/assets/editor.bundle.js (see frontend/editor/package.json); the page around it is
// pipeline/assets/editor.html. Nothing here touches the network.
import { EditorState } from "@codemirror/state";
import {
  EditorView, keymap, lineNumbers, highlightActiveLine, drawSelection,
} from "@codemirror/view";
import { defaultKeymap, history, historyKeymap, indentWithTab } from "@codemirror/commands";
import {
  StreamLanguage, syntaxHighlighting, defaultHighlightStyle, bracketMatching,
} from "@codemirror/language";
import { autocompletion, completionKeymap, closeBrackets } from "@codemirror/autocomplete";
import { sparql } from "@codemirror/legacy-modes/mode/sparql";

const KEYWORDS = [
  "SELECT", "DISTINCT", "REDUCED", "WHERE", "FILTER", "OPTIONAL", "UNION", "MINUS", "GRAPH",
  "BIND", "VALUES", "GROUP BY", "ORDER BY", "HAVING", "LIMIT", "OFFSET", "ASK", "CONSTRUCT",
  "DESCRIBE", "PREFIX", "BASE", "FROM", "FROM NAMED", "NOT EXISTS", "EXISTS", "AS", "COUNT",
  "GROUP_CONCAT", "SAMPLE", "STR", "LANG", "LANGMATCHES", "REGEX", "CONTAINS", "STRSTARTS",
  "DESC", "ASC", "IN", "NOT IN", "IF", "COALESCE", "BOUND", "isIRI", "isLiteral", "a",
];

// Completions: `pfx:` gives the terms under that prefix; a bare word gives prefixes
// (inserting the PREFIX line when the query lacks it) and keywords.
function completer(prefixes, terms) {
  return (context) => {
    const word = context.matchBefore(/[A-Za-z_][\w-]*:?[\w-]*/);
    if (!word || (word.from === word.to && !context.explicit)) return null;
    const text = word.text;
    const colon = text.indexOf(":");
    if (colon >= 0) {
      const pfx = text.slice(0, colon);
      const local = terms[pfx] || [];
      return {
        from: word.from + colon + 1,
        options: local.map((t) => ({ label: t.name, detail: t.label || "", type: t.kind })),
        validFor: /^[\w-]*$/,
      };
    }
    const doc = context.state.doc.toString();
    const options = Object.keys(prefixes).map((p) => ({
      label: p + ":",
      detail: prefixes[p],
      type: "namespace",
      apply: (view, completion, from, to) => {
        const changes = [{ from, to, insert: p + ":" }];
        const declared = new RegExp("PREFIX\\s+" + p + ":", "i").test(doc);
        if (!declared) changes.push({ from: 0, insert: `PREFIX ${p}: <${prefixes[p]}>\n` });
        view.dispatch({ changes });
      },
    }));
    for (const k of KEYWORDS) options.push({ label: k, type: "keyword" });
    return { from: word.from, options, validFor: /^[\w-]*$/ };
  };
}

export function create(parent, { doc, prefixes, terms, onRun, label }) {
  const run = () => { onRun(); return true; };
  const view = new EditorView({
    parent,
    state: EditorState.create({
      doc,
      extensions: [
        lineNumbers(),
        history(),
        drawSelection(),
        highlightActiveLine(),
        bracketMatching(),
        closeBrackets(),
        StreamLanguage.define(sparql),
        syntaxHighlighting(defaultHighlightStyle),
        autocompletion({ override: [completer(prefixes, terms)] }),
        keymap.of([
          { key: "Mod-Enter", run },
          indentWithTab,
          ...completionKeymap,
          ...defaultKeymap,
          ...historyKeymap,
        ]),
        EditorView.lineWrapping,
        EditorView.contentAttributes.of({ "aria-label": label || "SPARQL" }),
      ],
    }),
  });
  return {
    getValue: () => view.state.doc.toString(),
    setValue: (text) => view.dispatch({
      changes: { from: 0, to: view.state.doc.length, insert: text },
    }),
    focus: () => view.focus(),
    view,
  };
}
