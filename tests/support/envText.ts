/** The upserted .env text alone (the program uses planEnvUpsert, which also reports the keys). */
import { planEnvUpsert } from "../../ops/envFile";

export function upsertEnvText(text: string, values: Readonly<Record<string, string>>): string {
  return planEnvUpsert(text, values).text;
}
