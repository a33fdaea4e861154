/**
 * The local files the config names (Synapse modules, Element's custom CSS), read once at
 * config time so nothing later touches the disk. Kept apart from the pure settings builder:
 * the reset builds the same settings without reading them.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { ConfigIssue } from "./errors";
import type { Settings } from "./settings";

export interface UploadedFile {
  /** File name relative to the target directory. */
  readonly name: string;
  readonly content: string;
}

export interface LocalFiles {
  /** Every file of every Synapse module, uploaded to /data/modules. */
  readonly synapseModuleFiles: readonly UploadedFile[];
  /** Element's custom.css, when element.customCssFile is set. */
  readonly elementCustomCss?: string;
}

/** Reads the files `settings` names, relative to `baseDir`; every unreadable one is an issue. */
export function readLocalFiles(
  settings: Settings,
  baseDir: string,
): { files: LocalFiles; issues: readonly ConfigIssue[] } {
  const issues: ConfigIssue[] = [];
  const read = (file: string, key: string): UploadedFile | undefined => {
    const full = path.resolve(baseDir, file);
    try {
      return { name: path.basename(full), content: fs.readFileSync(full, "utf8") };
    } catch (err) {
      issues.push({
        key,
        value: file,
        expected: `a readable file (relative to the project directory): ${(err as Error).message}`,
      });
      return undefined;
    }
  };
  const synapseModuleFiles = settings.synapse.modules.flatMap((m, i) =>
    m.files.map((f, j) => read(f, `synapse.modules[${i}].files[${j}]`)).filter((f) => f !== undefined),
  );
  const css = settings.element.customCssFile;
  const elementCustomCss = css === undefined ? undefined : read(css, "element.customCssFile")?.content;
  return {
    files: { synapseModuleFiles, ...(elementCustomCss !== undefined ? { elementCustomCss } : {}) },
    issues,
  };
}
