import { readFileSync } from 'node:fs';
import { Controller, Get, Header } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Public } from '../auth/decorators/access.decorator.js';
import type { AppConfig } from '../config/config.schema.js';
import { ConfigService } from '../config/typed-config.js';

const DEFAULT_POLICY = `# Privacy policy

This service answers questions about customer accounts, sales deals and support tickets on behalf of the person who signed in.

## What we receive
When you use it, we receive the identity your organisation's sign-in service vouches for: an identifier, your name, your email address, your roles and your region. We use them only to decide which records you may see and change.

## What we keep
We keep a user record with your identifier, name, email address, region and the roles an administrator assigned to you here. We do not keep your access tokens or passwords. Changes you make to records are stored with the records.

## Who sees it
Your data stays with the organisation that runs this service. It is not sold or shared for advertising.

## Contact
Ask the administrator of this service to see, correct or delete your user record.`;

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** Renders short Markdown (headings and paragraphs) as HTML; everything else is escaped text. */
export function renderPolicy(markdown: string): string {
  const blocks = markdown.trim().split(/\n\s*\n/);
  const body = blocks
    .map((block) => {
      const heading = /^(#{1,3})\s+(.*)$/.exec(block.trim());
      return heading
        ? `<h${heading[1].length}>${escape(heading[2])}</h${heading[1].length}>`
        : `<p>${escape(block.trim()).replace(/\n/g, '<br>')}</p>`;
    })
    .join('\n');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Privacy policy</title><style>body{font:16px/1.5 system-ui,sans-serif;max-width:42rem;margin:2rem auto;padding:0 1rem}</style></head><body>\n${body}\n</body></html>`;
}

/** GET /privacy: the policy page a published GPT must link to (PRIVACY_POLICY_FILE replaces the default text). */
@ApiExcludeController()
@Controller('privacy')
export class PrivacyController {
  private readonly html: string;

  constructor(config: ConfigService<AppConfig, true>) {
    const file = config.get('app', { infer: true }).privacyPolicyFile;
    this.html = renderPolicy(file ? readFileSync(file, 'utf8') : DEFAULT_POLICY);
  }

  @Get()
  @Public()
  @Header('Content-Type', 'text/html; charset=utf-8')
  @Header('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'")
  page(): string {
    return this.html;
  }
}
