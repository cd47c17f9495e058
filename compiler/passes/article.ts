// English for the notes passes write into the fusion report.

/** "a Flatten", "an Add": a kind with its indefinite article, for notes. */
export function article(kind: string): string {
  return `${/^[AEIOU]/.test(kind) ? 'an' : 'a'} ${kind}`;
}
