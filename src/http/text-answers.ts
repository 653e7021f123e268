// Answers whose body is text, as response schemas: the seed's views (a string sent as Flask sends it, text/html),
// the metrics.
import { Type } from 'typebox'

/** A 2xx answer whose body is text of `contentType`. */
export function TextResponse (description: string, contentType: string) {
  return { description, content: { [contentType]: { schema: Type.String() } } }
}

/** A 2xx answer whose body is text sent as text/html; charset=utf-8. */
export function HtmlResponse (description: string) {
  return TextResponse(description, 'text/html')
}
