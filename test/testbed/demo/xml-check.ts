/**
 * A strict little XML parser for the demo's HTML report (which is written XHTML-style): every
 * element closed and properly nested, attributes quoted and unique, `&` only in known entities,
 * no stray `<`. Returns the element tree or throws with the offset of the first problem.
 */
export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  text: string;
}

const NAME = /^[A-Za-z_][\w.:-]*/;
const ENTITY = /^&(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);/;

function checkText(s: string, at: number): string {
  for (let i = s.indexOf('&'); i >= 0; i = s.indexOf('&', i + 1)) {
    if (!ENTITY.test(s.slice(i))) throw new Error(`bad entity at ${at + i}: ${JSON.stringify(s.slice(i, i + 12))}`);
  }
  return s;
}

/** Parses `doc`; throws on the first well-formedness error. */
export function parseXml(doc: string): XmlElement {
  let i = 0;
  const root: XmlElement = { name: '#document', attrs: {}, children: [], text: '' };
  const stack: XmlElement[] = [root];
  while (i < doc.length) {
    const lt = doc.indexOf('<', i);
    const text = doc.slice(i, lt < 0 ? doc.length : lt);
    stack[stack.length - 1].text += checkText(text, i);
    if (lt < 0) break;
    i = lt;
    if (doc.startsWith('<?', i)) {
      const e = doc.indexOf('?>', i);
      if (e < 0) throw new Error(`unterminated processing instruction at ${i}`);
      i = e + 2;
    } else if (doc.startsWith('<!--', i)) {
      const e = doc.indexOf('-->', i);
      if (e < 0) throw new Error(`unterminated comment at ${i}`);
      i = e + 3;
    } else if (doc.startsWith('<!DOCTYPE', i)) {
      const e = doc.indexOf('>', i);
      i = e + 1;
    } else if (doc.startsWith('</', i)) {
      const m = NAME.exec(doc.slice(i + 2));
      if (!m) throw new Error(`bad end tag at ${i}`);
      const top = stack.pop();
      if (!top || top.name !== m[0] || stack.length === 0) throw new Error(`end tag </${m[0]}> at ${i} does not match <${top?.name}>`);
      i += 2 + m[0].length;
      while (/\s/.test(doc[i])) i++;
      if (doc[i] !== '>') throw new Error(`bad end tag at ${i}`);
      i++;
    } else {
      const m = NAME.exec(doc.slice(i + 1));
      if (!m) throw new Error(`stray "<" at ${i}`);
      const el: XmlElement = { name: m[0], attrs: {}, children: [], text: '' };
      i += 1 + m[0].length;
      for (;;) {
        const ws = /^\s*/.exec(doc.slice(i))![0].length;
        i += ws;
        if (doc.startsWith('/>', i)) {
          i += 2;
          stack[stack.length - 1].children.push(el);
          break;
        }
        if (doc[i] === '>') {
          i++;
          stack[stack.length - 1].children.push(el);
          stack.push(el);
          break;
        }
        if (ws === 0) throw new Error(`expected whitespace before attribute at ${i}`);
        const a = /^([A-Za-z_:][\w.:-]*)="([^"<]*)"/.exec(doc.slice(i));
        if (!a) throw new Error(`bad attribute at ${i}: ${JSON.stringify(doc.slice(i, i + 20))}`);
        if (a[1] in el.attrs) throw new Error(`duplicate attribute ${a[1]} at ${i}`);
        el.attrs[a[1]] = checkText(a[2], i);
        i += a[0].length;
      }
    }
  }
  if (stack.length !== 1) throw new Error(`unclosed <${stack[stack.length - 1].name}>`);
  if (root.children.length !== 1) throw new Error(`expected one root element, got ${root.children.length}`);
  return root.children[0];
}

/** Every element below `el` (depth first) with the given name. */
export function findAll(el: XmlElement, name: string): XmlElement[] {
  const out: XmlElement[] = [];
  const walk = (e: XmlElement) => {
    for (const c of e.children) {
      if (c.name === name) out.push(c);
      walk(c);
    }
  };
  walk(el);
  return out;
}
