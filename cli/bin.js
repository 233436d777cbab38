#!/usr/bin/env node
// The `takes` command: the CLI is TypeScript, run through tsx as the project's scripts are.
import { register } from "tsx/esm/api";

register();
await import("./main.ts");
