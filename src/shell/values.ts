// Values for the walker's variable table: arrays (x=(a b)), appends (x+=y), positional parameters.
import type { Value } from "./analysis.ts";
import { combine } from "./expand.ts";

export function arrayValue(elements: Value[][][]): Value[] {
  const fields = elements.flatMap((alts) => alts[0] ?? []);
  return [
    {
      text: fields.map((f) => f.text).join(" "),
      fields: fields.map((f) => f.text),
      dynamic: fields.some((f) => f.dynamic),
    },
  ];
}

/** x+=v appends text; a+=(v w) appends elements (an array stays an array). */
export function appendTo(old: Value[] | undefined, values: Value[]): Value[] {
  if (!old) return values;
  return combine([old, values]).map(([a, b]) => {
    const x = a as Value;
    const y = b as Value;
    const dynamic = x.dynamic || y.dynamic;
    if (!x.fields && !y.fields) return { text: x.text + y.text, dynamic };
    const fields = [...(x.fields ?? (x.text === "" ? [] : [x.text])), ...(y.fields ?? [y.text])];
    return { text: fields.join(" "), fields, dynamic };
  });
}

/**
 * a[i]=v: each possible old value with element i set (a scalar is element 0); an index that is not
 * a number (a[i+1], a[key]) adds the value as one more element.
 */
export function setElement(old: Value[] | undefined, index: string, values: Value[]): Value[] {
  const i = /^\d+$/.test(index.trim()) ? Number(index) : undefined;
  const bases = old ?? [{ text: "", dynamic: false, fields: [] }];
  return combine([bases, values]).map(([o, v]) => {
    const base = o as Value;
    const elements: (string | undefined)[] = [...(base.fields ?? [base.text])];
    elements[i ?? elements.length] = (v as Value).text;
    const fields = elements.filter((e) => e !== undefined);
    return { text: fields.join(" "), fields, dynamic: base.dynamic || !!v?.dynamic };
  });
}

/** $1... and $@ / $* of a script or function; undefined at top level, where they are unknown. */
export function positionalValues(
  name: string,
  positional: Value[] | undefined,
): Value[] | undefined {
  if (!positional) return undefined;
  if (name === "@" || name === "*") {
    const fields = positional.map((p) => p.text);
    return [{ text: fields.join(" "), fields, dynamic: positional.some((p) => p.dynamic) }];
  }
  return [positional[Number(name) - 1] ?? { text: "", dynamic: false }];
}
