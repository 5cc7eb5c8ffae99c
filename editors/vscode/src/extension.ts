// Starts `karplint server` for YAML and JSON files and lets vscode-languageclient do the
// rest: diagnostics across the workspace, quick fixes, hover.
import * as vscode from "vscode";
import {
  LanguageClient,
  LanguageClientOptions,
  ServerOptions,
} from "vscode-languageclient/node";

let client: LanguageClient | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const settings = vscode.workspace.getConfiguration("karplint");
  const command = settings.get<string>("path", "karplint");
  const serverOptions: ServerOptions = { command, args: ["server"] };
  const karpenter = settings.get<string>("karpenter", "");
  const clientOptions: LanguageClientOptions = {
    documentSelector: [
      { scheme: "file", language: "yaml" },
      { scheme: "file", language: "json" },
    ],
    synchronize: {
      // The server re-reads changed manifests and `.karplint.yaml`.
      fileEvents: vscode.workspace.createFileSystemWatcher("**/{*.yaml,*.yml,*.json,.karplint.yaml}"),
    },
    initializationOptions: {
      ...(karpenter ? { karpenter } : {}),
      rules: settings.get<Record<string, string>>("rules", {}),
    },
  };
  client = new LanguageClient("karplint", "karplint", serverOptions, clientOptions);
  context.subscriptions.push(client);
  await client.start();
}

export async function deactivate(): Promise<void> {
  await client?.stop();
}
