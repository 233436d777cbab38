import { emptyStackModel, type FunctionModel, type StackModel } from "#local/infra/model";

/** A function whose handler is a fixture in tests/fixtures/handlers, e.g. fixture("http.echo"). */
export function fixture(handler: string, overrides: Partial<FunctionModel> = {}): FunctionModel {
  return {
    name: handler.replace(/\W/g, "-"),
    handler: `tests/fixtures/handlers/${handler}`,
    timeout: 5,
    memory: 128,
    link: [],
    environment: {},
    permissions: [],
    ...overrides,
  };
}

/** A stack model with nothing in it but what the test declares. */
export function stackModel(parts: Partial<StackModel>): StackModel {
  return { ...emptyStackModel(), ...parts };
}
