import type { Plugin, PluginRegistrations } from '@gipkit/plugin-api';

/** Everything a plugin's `setup` registered, in order. */
export type Registrations = PluginRegistrations;

/** Runs a plugin's `setup` against a recording registry: for unit tests of what a plugin registers. */
export function recordRegistrations(plugin: Plugin): Registrations {
  const recorded: Registrations = { packs: [], changes: [], operators: [], facts: [], platforms: [], connectors: [], deployers: [], dispatchers: [], disposers: [] };
  plugin.setup({
    addRules: (pack) => void recorded.packs.push(pack),
    changeRules: (changes) => void recorded.changes.push(changes),
    addOperator: (operator) => void recorded.operators.push(operator),
    addFact: (fact) => void recorded.facts.push(fact),
    addPlatform: (platform) => void recorded.platforms.push(platform),
    addConnector: (connector) => void recorded.connectors.push(connector),
    addDeployer: (deployer) => void recorded.deployers.push(deployer),
    addDispatcher: (dispatcher) => void recorded.dispatchers.push(dispatcher),
    onDispose: (dispose) => void recorded.disposers.push(dispose),
  });
  return recorded;
}
