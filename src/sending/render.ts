/**
 * The text a recipient receives: the variant's template filled with the contact's values, every
 * URL in it replaced by a tracked short link (`PUBLIC_URL/l/<token>`). Pure (tokens come from
 * the caller).
 */
import { contactVariables, renderTemplate } from '../campaigns/templates/render';

const URL_PATTERN = /https?:\/\/[^\s<>"']+[^\s<>"'.,;:!?)\]]/g;

export interface RenderedMessage {
  body: string;
  links: { token: string; url: string }[];
}

export function renderMessage(
  template: string,
  contact: Parameters<typeof contactVariables>[0],
  campaign: { offerAmount?: number | null },
  publicUrl: string,
  makeToken: () => string,
): RenderedMessage {
  const { text } = renderTemplate(template, contactVariables(contact, campaign));
  const links: { token: string; url: string }[] = [];
  const body = text.replace(URL_PATTERN, (url) => {
    const token = makeToken();
    links.push({ token, url });
    return `${publicUrl}/l/${token}`;
  });
  return { body, links };
}
