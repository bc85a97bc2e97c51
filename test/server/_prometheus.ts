// Reads Prometheus text exposition (0.0.4) as node_exporter's textfile
// collector would, strictly: every sample's family has # HELP and # TYPE
// first, names and labels are well formed, values are numbers. A file it
// throws on would be refused by the collector.

export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\\\|\\"|\\n)*)"(,|$)/y;

export function parsePrometheus(text: string): Sample[] {
  if (!text.endsWith("\n")) throw new Error("the text must end with a newline");
  const types = new Map<string, string>();
  const helped = new Set<string>();
  const samples: Sample[] = [];
  for (const line of text.slice(0, -1).split("\n")) {
    const meta = /^# (HELP|TYPE) (\S+) (.*)$/.exec(line);
    if (meta) {
      const [, kind, name = "", rest = ""] = meta;
      if (!NAME.test(name)) throw new Error(`bad metric name in '${line}'`);
      if (kind === "HELP") helped.add(name);
      else if (!["counter", "gauge", "summary", "histogram", "untyped"].includes(rest)) throw new Error(`bad type in '${line}'`);
      else if (types.has(name)) throw new Error(`second TYPE for ${name}`);
      else types.set(name, rest);
      continue;
    }
    const m = SAMPLE.exec(line);
    if (!m) throw new Error(`not a sample: '${line}'`);
    const [, name = "", labelText = "", valueText = ""] = m;
    if (!types.has(name) || !helped.has(name)) throw new Error(`${name} has no HELP or TYPE before its samples`);
    const labels: Record<string, string> = {};
    LABEL.lastIndex = 0;
    while (LABEL.lastIndex < labelText.length) {
      const at = LABEL.lastIndex;
      const l = LABEL.exec(labelText);
      if (!l || l.index !== at) throw new Error(`bad labels in '${line}'`);
      labels[l[1] as string] = (l[2] as string).replace(/\\(["\\n])/g, (_, c: string) => (c === "n" ? "\n" : c));
    }
    const value = Number(valueText);
    if (valueText === "" || Number.isNaN(value)) throw new Error(`bad value in '${line}'`);
    samples.push({ name, labels, value });
  }
  return samples;
}

/** The value of the one sample named `name` whose labels include `labels`. */
export function sampleValue(samples: readonly Sample[], name: string, labels: Record<string, string> = {}): number | undefined {
  const found = samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  if (found.length > 1) throw new Error(`${found.length} samples of ${name} ${JSON.stringify(labels)}`);
  return found[0]?.value;
}
