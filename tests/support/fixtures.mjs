// Shared fixtures (tests/js, tests/e2e, scripts/demo.mjs): well-known ids and parameter builders for the
// mittwald node, and the seed's example Yamdu order.

/** An extension the mock marketplace knows (see EXTENSIONS in mock-marketplace.mjs). */
export const EXT = '907a24e9-0723-4566-b584-86578419e983';
/** A customer id, as a well-formed uuid. */
export const CUST = '3a2b1c0d-9e8f-4a7b-8c6d-5e4f3a2b1c0d';
/** A project id, as a well-formed uuid. */
export const PROJ = '7d6c5b4a-3f2e-4d1c-9b0a-8f7e6d5c4b3a';

/**
 * Makes an `order(extra)` builder: Marketplace → Order Extension of EXT for the customer CUST,
 * with `extra` overriding any parameter. `consentedScopes` sets the default scopes; `variantKey`
 * the default variant key (`null` leaves the parameter out).
 */
export function orderBuilder({ consentedScopes = ['project:read'], variantKey = '' } = {}) {
  return (extra = {}) => ({
    resource: 'Marketplace',
    operation: 'extension-order-extension',
    extensionId: EXT,
    orderFor: 'customer',
    customerId: CUST,
    consentedScopes: [...consentedScopes],
    ...(variantKey === null ? {} : { variantKey }),
    ...extra,
  });
}

/** Order Extension parameters: scopes ['project:read'], empty variant key, `extra` on top. */
export const order = orderBuilder();

/** Article → Get Article parameters. */
export const get = (articleId) => ({ resource: 'Article', operation: 'article-get-article', articleId });

/** Webgate Yamdu → Create Order with the seed's example order (new client, new project), `extra` on top. */
export const yamduOrder = (extra = {}) => ({
  resource: 'order',
  operation: 'create',
  product: 's',
  client: 'new',
  clientName: 'Constantin Film',
  project: 'new',
  projectName: 'OSD Yamdu Free',
  userEmail: 'nicecustomer@gmx.com',
  userLogin: 'custy1',
  ...extra,
});
