/**
 * `text` without the run of `char` it ends with. A loop from the end rather than `/x+$/`: V8
 * tries such a pattern from every position of a run that does not end the text, which made a
 * client's path or host with a long run of slashes or dots take seconds.
 */
export function trimTrailing(text: string, char: string): string {
  let end = text.length;
  while (end > 0 && text[end - 1] === char) end--;
  return end === text.length ? text : text.slice(0, end);
}
