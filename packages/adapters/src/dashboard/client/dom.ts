/** A tiny element builder: text is always set as text (never parsed as HTML). */
export const h = <K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Readonly<Record<string, string>> = {},
  ...children: ReadonlyArray<Node | string>
): HTMLElementTagNameMap[K] => {
  const el = document.createElement(tag)
  for (const [name, value] of Object.entries(attrs)) el.setAttribute(name, value)
  for (const child of children) el.append(child)
  return el
}

/** Replace an element's children. */
export const fill = (el: Element, ...children: ReadonlyArray<Node | string>): void => {
  el.replaceChildren(...children)
}
