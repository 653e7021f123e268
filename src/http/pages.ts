// The seed's answers as response schemas: a view's string, sent as Flask sends it, text/html.
import { Type } from 'typebox'

/** A 2xx answer whose body is text sent as text/html; charset=utf-8. */
export function HtmlResponse (description: string) {
  return { description, content: { 'text/html': { schema: Type.String() } } }
}
