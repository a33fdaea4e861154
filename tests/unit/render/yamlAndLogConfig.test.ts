import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { parse } from "yaml";
import { toYaml } from "../../../render/yaml";
import { renderLogConfig } from "../../../render/logConfig";
import { EQMD_PROD_RAW, settingsFrom } from "../../support/settings";

type Obj = Record<string, unknown>;

describe("toYaml", () => {
  it("keeps keys in the order they were built", () => {
    assert.equal(toYaml({ b: 1, a: 2, c: 3 }), "b: 1\na: 2\nc: 3\n");
  });

  it("writes the header as comment lines followed by a blank line", () => {
    assert.equal(toYaml({ a: 1 }, "first\nsecond"), "# first\n# second\n\na: 1\n");
  });

  it("double-quotes Jinja templates", () => {
    assert.equal(
      toYaml({ t: "u_{{ user.sub }}", s: "{% if x %}y{% endif %}" }),
      't: "u_{{ user.sub }}"\ns: "{% if x %}y{% endif %}"\n',
    );
  });

  it("quotes strings PyYAML (YAML 1.1) would read as something else", () => {
    const tricky = { a: "yes", b: "off", c: "2001-12-14", d: "0755", e: "1_000", f: "null", g: "3.5" };
    const text = toYaml(tricky);
    for (const [k, v] of Object.entries(tricky)) assert.match(text, new RegExp(`^${k}: "${v}"$`, "m"));
    assert.deepEqual(parse(text, { version: "1.1" }), tricky);
  });

  it("never folds long lines", () => {
    const long = "word ".repeat(60).trim();
    assert.equal(toYaml({ long }), `long: ${long}\n`);
  });

  it("writes a shared object out in full each time (no anchors or aliases)", () => {
    const shared = { per_second: 0.1 };
    assert.equal(toYaml({ one: shared, two: shared }), "one:\n  per_second: 0.1\ntwo:\n  per_second: 0.1\n");
  });

  it("is byte-identical for equal input", () => {
    const value = { list: [{ a: 1 }, "two"], nested: { deep: { deeper: true } } };
    assert.equal(toYaml(value, "h"), toYaml(structuredClone(value), "h"));
  });
});

describe("log config", () => {
  const prod = settingsFrom();
  const withFile = (keep?: number) =>
    settingsFrom({
      ...EQMD_PROD_RAW,
      synapse: { ...(EQMD_PROD_RAW.synapse as Obj), fileLog: keep === undefined ? {} : { keep } },
    });
  const parsed = (text: string) => parse(text, { version: "1.1" }) as Obj;
  const config = parsed(renderLogConfig(prod));

  it("logs to stdout only by default, through the console handler", () => {
    const handlers = config.handlers as Obj;
    assert.deepEqual(Object.keys(handlers), ["console"]);
    const handler = handlers.console as Obj;
    assert.equal(handler.class, "logging.StreamHandler");
    assert.equal(handler.stream, "ext://sys.stdout");
    assert.deepEqual(config.root, { level: "INFO", handlers: ["console"] });
    assert.ok(!/filename|FileHandler/.test(renderLogConfig(prod)), "no log file unless synapse.fileLog is set");
  });

  it("uses Synapse's format and request filter", () => {
    const formatters = config.formatters as Obj;
    assert.equal(
      (formatters.precise as Obj).format,
      "%(asctime)s - %(name)s - %(lineno)d - %(levelname)s - %(request)s - %(message)s",
    );
    assert.deepEqual((config.filters as Obj).context, {
      "()": "synapse.logging.context.LoggingContextFilter",
      request: "",
    });
    assert.deepEqual(((config.handlers as Obj).console as Obj).filters, ["context"]);
  });

  it("puts the access, SQL and twisted loggers at WARNING, as eqmd has them", () => {
    assert.deepEqual(config.loggers, {
      "synapse.storage.SQL": { level: "WARNING" },
      "synapse.access": { level: "WARNING" },
      // eqmd's matrix/log_config.yaml names the 8008 listener's logger.
      "synapse.access.http.8008": { level: "WARNING" },
      twisted: { level: "WARNING" },
    });
    assert.equal(config.version, 1);
    assert.equal(config.disable_existing_loggers, false);
  });

  it("names the access logger of the listener port actually configured", () => {
    const other = parsed(renderLogConfig(settingsFrom({ ...EQMD_PROD_RAW, synapse: { listenPort: 8448 } })));
    assert.deepEqual((other.loggers as Obj)["synapse.access.http.8448"], { level: "WARNING" });
    assert.equal((other.loggers as Obj)["synapse.access.http.8008"], undefined);
  });

  it("with synapse.fileLog, also writes /data/logs/homeserver.log, rotated at midnight", () => {
    const c = parsed(renderLogConfig(withFile(7)));
    const handlers = c.handlers as Obj;
    assert.deepEqual(Object.keys(handlers), ["console", "file"]);
    assert.deepEqual(handlers.file, {
      class: "logging.handlers.TimedRotatingFileHandler",
      formatter: "precise",
      filters: ["context"],
      filename: "/data/logs/homeserver.log",
      when: "midnight",
      backupCount: 7,
      encoding: "utf8",
    });
    assert.deepEqual(c.root, { level: "INFO", handlers: ["console", "file"] });
    assert.deepEqual(c.loggers, config.loggers, "the file gets the same quiet loggers");
  });

  it("keeps eqmd's three old files when fileLog gives no count", () => {
    assert.equal(((parsed(renderLogConfig(withFile())).handlers as Obj).file as Obj).backupCount, 3);
  });

  it("says in the file where it logs", () => {
    assert.match(renderLogConfig(prod), /^# .*\n# Console \(stdout\) only/);
    assert.match(renderLogConfig(withFile(3)), /^# .*\n# Console \(stdout\) and \/data\/logs\/homeserver\.log/);
  });
});
