// Quoting one word for a POSIX shell: what is sent to a remote shell is exactly the words meant.

/** The word as the shell must see it: bare when it is plainly safe, else single-quoted. */
export function shellQuote(word: string): string {
  if (word !== "" && /^[A-Za-z0-9_@%+=:,./-]+$/.test(word)) return word;
  return `'${word.replaceAll("'", `'\\''`)}'`;
}
