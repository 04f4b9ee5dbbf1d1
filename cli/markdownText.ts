/**
 * Text from a scenario (its description, dataset and column names, property values, sweep labels, messages that
 * quote them) written into report.md as text, never as markup: a `<script>` or `<img onerror>` must not become HTML in
 * a Markdown viewer, a `|` must not split a table cell, a leading `#` or `-` must not start a heading or a list.
 * CommonMark's backslash escapes do it (any ASCII punctuation after a backslash is that character, literally), and
 * report.html, made from report.md (cli/report.ts renderHtml), reads them back as the characters, HTML-escaped.
 */

/** Characters that start or end Markdown markup anywhere in a line (GitHub-flavoured: tables, strikethrough). */
const INLINE_MARKUP = /[\\`*_[\]<>|#!&~]/g;
/** Markup that only counts at the start of a line: list bullets, ordered lists, setext and block quotes. */
const LINE_START_MARKUP = /^(\s*)([-+=]|\d+[.)])/;

/** One line of scenario text as Markdown text: line breaks become spaces, markup characters are escaped. */
export function escapeMarkdown(text: unknown): string {
  const oneLine = String(text).replace(/\s*[\r\n]+\s*/g, ' ');
  return oneLine.replace(INLINE_MARKUP, '\\$&').replace(LINE_START_MARKUP, (_, space: string, mark: string) => `${space}${mark.replace(/([-+=.)])$/, '\\$1')}`);
}

/** Multi-paragraph scenario text (a description): paragraphs kept, each escaped as one line. */
export function escapeMarkdownParagraphs(text: string): string[] {
  return String(text)
    .split(/\r?\n\s*\r?\n/)
    .map((p) => p.trim())
    .filter(Boolean)
    .map(escapeMarkdown);
}

/** A table row split into its cells at the `|` that are not escaped. */
export function markdownCells(line: string): string[] {
  return line
    .split(/(?<!\\)\|/)
    .slice(1, -1)
    .map((c) => c.trim());
}

/**
 * After HTML escaping: each Markdown backslash escape as the character it stands for, written as an HTML character
 * reference so that no later inline rule (bold, code) reads it as markup.
 */
export function unescapeMarkdownInHtml(html: string): string {
  return html.replace(/\\(&(?:amp|lt|gt|quot|#39);|[!-/:-@[-`{-~])/g, (_, c: string) => (c.startsWith('&') ? c : `&#${c.charCodeAt(0)};`));
}

/** Markdown text back to the plain text it stands for (an image's alt text, for an HTML attribute). */
export function unescapeMarkdown(text: string): string {
  return text.replace(/\\([!-/:-@[-`{-~])/g, '$1');
}
