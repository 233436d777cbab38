/** Reading a credential without it ever showing: a prompt that does not echo, or piped stdin. */
import { text } from "node:stream/consumers";
import { usageError } from "./errors";

/** The credential typed at a hidden prompt on a terminal, else the first line of stdin. */
export async function readCredential(question: string): Promise<string> {
  const credential = process.stdin.isTTY
    ? await hiddenPrompt(question)
    : ((await text(process.stdin)).split(/\r?\n/)[0] ?? "");
  if (!credential.trim()) throw usageError("No credential given.");
  return credential.trim();
}

/** Raw mode reads each key press without the terminal echoing it. */
function hiddenPrompt(question: string): Promise<string> {
  const input = process.stdin;
  process.stderr.write(question);
  input.setRawMode(true);
  input.setEncoding("utf8");
  input.resume();
  let typed = "";
  return new Promise((resolve, reject) => {
    const finish = () => {
      input.off("data", onData);
      input.setRawMode(false);
      input.pause();
      process.stderr.write("\n");
    };
    const onData = (chunk: string) => {
      for (const char of chunk) {
        if (char === "\r" || char === "\n") {
          finish();
          return resolve(typed);
        }
        if (char === "\u0003" || char === "\u0004") {
          finish();
          return reject(usageError("Cancelled."));
        }
        if (char === "\u007f" || char === "\b") typed = typed.slice(0, -1);
        else if (char >= " ") typed += char;
      }
    };
    input.on("data", onData);
  });
}
