/**
 * `npm run docs:config`: writes docs/configuration.md from config/schema.ts (config/reference.ts
 * renders it). Run it after changing a key; the unit test says when the file is stale.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { REFERENCE_FILE, renderConfigReference } from "../config/reference";

const file = path.resolve(__dirname, "..", REFERENCE_FILE);
fs.writeFileSync(file, renderConfigReference());
console.log(`wrote ${path.relative(process.cwd(), file)}`);
