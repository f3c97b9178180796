// Task ids: short, unique and sortable by creation time (base36 milliseconds + random suffix).
import { randomBytes } from "node:crypto";

export function newTaskId(now = Date.now()): string {
  const rand = randomBytes(4).readUInt32BE(0).toString(36).padStart(7, "0").slice(-5);
  return `${now.toString(36)}${rand}`;
}
