import { defineResource } from '@mcp-stack/core';

export interface AppInfo {
  app_name: string;
  environment: string;
  version: string;
}

export function appInfoResource(appInfo: () => AppInfo) {
  return defineResource({
    uri: 'demo://app-info',
    name: 'app-info',
    title: 'Application info',
    description: 'The name, environment and version of this server, as JSON.',
    mimeType: 'application/json',
    read: () => ({ json: appInfo() }),
  });
}
