/**
 * `offload eval [-f FILE] EXPR...`: evaluate expressions (after loading FILE)
 * and print each value as Guile's `write` would — a build-machine record as
 * Guile prints the record (`#<<build-machine> name: "a" port: 22 ...>`).
 *
 * @example
 * // offload eval '(map 1+ (list 1 2))'   prints (2 3)
 */
import type { Command } from "commander";
import { defineBuildMachineModule, OFFLOAD_MODULE } from "../machines/build-machine.ts";
import { RefusedError } from "../scheme/errors.ts";
import { createInterpreter } from "../scheme/interpreter.ts";
import { writeString } from "../scheme/printer.ts";
import { addLimitOptions, loadOptionsFrom, type LimitOptions } from "./limit-options.ts";

interface EvalOptions extends LimitOptions {
  file?: string;
}

/** Registers `eval`. */
export function registerEvalCommand(program: Command): void {
  const command = program
    .command("eval")
    .description("evaluate Scheme expressions the way a machines file is evaluated and print their values")
    .argument("<expr...>", "expressions")
    .option("-f, --file <file>", "load this machines file first");
  addLimitOptions(command).action((exprs: string[], options: EvalOptions) => {
    const env = process.env;
    const interpreter = createInterpreter({
      ...loadOptionsFrom(options),
      env,
      defaultModules: [OFFLOAD_MODULE],
      extend: (table) => defineBuildMachineModule(table, { env }),
      output: (text) => process.stdout.write(text),
    });
    try {
      if (options.file) interpreter.loadFile(options.file);
      for (const expr of exprs) process.stdout.write(`${writeString(interpreter.evalString(expr, "<command line>"))}\n`);
    } catch (error) {
      if (error instanceof RefusedError) error.about(options.file ?? "the expressions");
      throw error;
    }
  });
}
