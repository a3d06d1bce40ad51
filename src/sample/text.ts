import type { Rng } from '../engines/shared/rng.js';

/**
 * Ticket text for the sample: topics per queue with several subject/body paraphrases, slot fillers (products,
 * amounts, order numbers, dates), occasional typos, contact details inside bodies (to be redacted downstream)
 * and the negative cue phrases that drive the latent escalation/breach model.
 */
export interface Topic {
  id: string;
  /** Relative share within its queue. */
  weight: number;
  subjects: readonly string[];
  bodies: readonly string[];
  /** Agent lines that resolve it. */
  fixes: readonly string[];
  /** Multiplier on the rate of angry cue phrases. */
  anger: number;
  /** Probability the ticket is first routed to the wrong queue. */
  misroute: number;
  /** Multiplier on resolution time. */
  complexity: number;
  /** Priority weights: low, normal, high, urgent. */
  priority: readonly [number, number, number, number];
  /** Topic effect on the escalation and breach logits. */
  escalationEffect: number;
  breachEffect: number;
}

const T = (
  id: string, weight: number, subjects: string[], bodies: string[], fixes: string[],
  o: Partial<Pick<Topic, 'anger' | 'misroute' | 'complexity' | 'priority' | 'escalationEffect' | 'breachEffect'>> = {},
): Topic => ({
  id, weight, subjects, bodies, fixes,
  anger: o.anger ?? 1, misroute: o.misroute ?? 0.08, complexity: o.complexity ?? 1,
  priority: o.priority ?? [0.15, 0.62, 0.18, 0.05], escalationEffect: o.escalationEffect ?? 0, breachEffect: o.breachEffect ?? 0,
});

const BILLING: Topic[] = [
  T('duplicate_charge', 5, [
    'Charged twice for {plan}', 'Double charge on my card', 'Duplicate payment of {amount}', 'why was i billed two times?',
  ], [
    'I was charged {amount} twice on {date} for the {plan}. Only one of these should be there. Please refund the duplicate.',
    'My {card} shows two identical charges of {amount} from you on {date}. I only have one subscription.',
    'Looks like your system billed me twice this month ({amount} each). Can you reverse one of them?',
    'There are 2 payments for invoice {invoice}. I need the extra {amount} back on my card.',
  ], [
    'I have refunded the duplicate charge of {amount}; it will show on your statement in 3-5 business days.',
    'The second payment was a retry that should have been voided. I reversed it today.',
  ], { anger: 1.4, escalationEffect: 0.2, breachEffect: 0.1 }),
  T('refund_request', 4, [
    'Refund request for {plan}', 'Requesting a refund', 'Refund for order {order}', 'Can I get my money back?',
  ], [
    'I upgraded to the {plan} by mistake on {date}. Could you refund the {amount} difference?',
    'We stopped using the product last month but were still billed {amount}. Please refund it.',
    'I would like a refund for invoice {invoice}. We never activated the extra seats.',
    'Hi, the renewal on {date} went through but we had asked to downgrade. Refund of {amount} please.',
  ], [
    'I processed a refund of {amount} to the original payment method.',
    'As a one-time courtesy I have credited {amount} to your account.',
  ], { complexity: 1.2, escalationEffect: 0.1 }),
  T('invoice_question', 5, [
    'Question about invoice {invoice}', 'Invoice breakdown', 'VAT on my invoice', 'Need a copy of invoice {invoice}',
  ], [
    'Can you explain the line items on invoice {invoice}? The total of {amount} is higher than last month.',
    'Our finance team needs the invoice for {date} with our VAT number on it.',
    'Where can I find past invoices? I need the ones since {date} for our accountant.',
    'The invoice {invoice} lists 12 seats but we only have 9 users.',
  ], [
    'I have re-issued invoice {invoice} with the corrected details and emailed it to you.',
    'The difference comes from the prorated seats added on {date}; I attached a breakdown.',
  ], { anger: 0.6, priority: [0.3, 0.6, 0.08, 0.02], escalationEffect: -0.4, breachEffect: -0.2 }),
  T('payment_failed', 4, [
    'Payment failed', 'Card declined on renewal', 'Cannot update payment method', 'Payment error {error}',
  ], [
    'My renewal failed with {error} even though the {card} is valid. I do not want the account suspended.',
    'I tried to update my card three times and the form keeps rejecting it with {error}.',
    'We got an email that the payment of {amount} failed. The bank says nothing was blocked on their side.',
    'Payment keeps failing for the {plan}, please help before we lose access.',
  ], [
    'The bank flagged the charge as unusual; I retried it after you approved it and it went through.',
    'I updated the payment method on our side and the renewal succeeded.',
  ], { priority: [0.08, 0.55, 0.3, 0.07], escalationEffect: 0.2, breachEffect: 0.2 }),
  T('plan_change', 3, [
    'Upgrade to {plan}', 'Downgrade our plan', 'Change billing cycle to annual', 'Switch plans',
  ], [
    'We would like to move from monthly to annual billing for the {plan}. What would the price be?',
    'Please downgrade us to the Starter plan from the next cycle on {date}.',
    'How do I add 5 more seats to the {plan} without changing the renewal date?',
    'Thinking about upgrading to {plan}, is the difference prorated?',
  ], [
    'Your plan change is scheduled for {date}; the difference is prorated on the next invoice.',
    'I switched you to annual billing and applied the annual discount.',
  ], { anger: 0.4, priority: [0.35, 0.58, 0.06, 0.01], escalationEffect: -0.6, breachEffect: -0.3 }),
  T('invoice_portal_error', 0.25, [
    'Invoice portal not loading', 'Cannot download invoice - error 502', 'Billing portal broken?', 'invoice page stuck loading',
  ], [
    'The invoice portal just shows a spinner and then error 502 when I try to open invoice {invoice}.',
    'Since this morning I cannot download any invoice from the billing portal. It says "Something went wrong".',
    'Our accountant needs invoice {invoice} today but the portal keeps timing out.',
    'Invoice portal returns error 502 on every page. Is there an outage?',
  ], [
    'The invoice portal issue has been fixed by our engineers; I also emailed you invoice {invoice} directly.',
    'We are aware of the portal error; meanwhile I attached the PDF of {invoice}.',
  ], { anger: 1.6, misroute: 0.15, complexity: 1.4, priority: [0.05, 0.5, 0.35, 0.1], escalationEffect: 0.5, breachEffect: 0.6 }),
];

const TECH: Topic[] = [
  T('login_issue', 5, [
    'Cannot log in', 'Login not working', 'Stuck at the login screen', 'password correct but cant sign in',
  ], [
    'I cannot log in to {app} on my {device}. The password is correct but it returns to the login page.',
    'Every time I sign in I get {error}. Cleared the cache already.',
    'Login fails since {date} with "invalid session". Other people on my team are fine.',
    'I am locked out of {app}, it just says {error}.',
  ], [
    'Your session tokens were stale; I cleared them on our side, please sign in again.',
    'Resetting the SSO link fixed the login loop.',
  ], { misroute: 0.18, priority: [0.08, 0.55, 0.3, 0.07] }),
  T('app_crash', 4, [
    '{app} crashes on start', 'App keeps crashing', 'Crash when opening reports', 'app closes itself',
  ], [
    '{app} crashes right after the splash screen on my {device}, version {version}.',
    'The app closes whenever I open the reports tab. Reinstalled twice.',
    'Crash report attached: it happens when I export to PDF on {device}.',
    'Since the last update the app freezes and then quits.',
  ], [
    'This crash is fixed in version {version}; please update from the store.',
    'Clearing the local database resolved the crash; your data is synced from the server.',
  ], { complexity: 1.3 }),
  T('sync_error', 4, [
    'Data not syncing', 'Sync error {error}', '{feature} stopped syncing', 'changes are not saved',
  ], [
    'My changes on {device} do not show up on the web. {feature} says last synced on {date}.',
    'Getting {error} when syncing. Nothing has synced for two days.',
    'The {integration} integration stopped syncing contacts after {date}.',
    'Edits I make offline are lost when I reconnect.',
  ], [
    'The sync queue for your workspace was stuck; I restarted it and everything is up to date.',
    'Re-authorising the {integration} connection fixed the sync.',
  ], { complexity: 1.5, escalationEffect: 0.2, breachEffect: 0.3 }),
  T('device_setup', 3, [
    'Help setting up {product}', '{product} setup', 'Cannot pair {product}', 'new {product} not connecting',
  ], [
    'I bought the {product} and it does not show up in {app} when I try to pair it.',
    'Setting up the {product}: the light keeps blinking orange and the app times out.',
    'How do I connect the {product} to a 5 GHz network?',
    'The {product} is stuck on "updating firmware" for an hour.',
  ], [
    'A factory reset followed by pairing over Bluetooth got the {product} connected.',
    'The {product} needed the 2.4 GHz band; after switching it connected.',
  ], { anger: 0.7, misroute: 0.12, priority: [0.25, 0.62, 0.11, 0.02], escalationEffect: -0.3 }),
  T('slow_performance', 3, [
    '{app} very slow', 'Performance problems', 'Dashboard takes forever to load', 'slow reports',
  ], [
    'The dashboard takes more than a minute to load for our team since {date}.',
    '{app} is extremely slow on {device}; typing lags behind.',
    'Reports time out with {error} when the range is over a month.',
    'Everything is slow today, is there an incident?',
  ], [
    'We moved your workspace to a less loaded cluster; load times should be back to normal.',
    'An index was missing for your largest report; it now loads in seconds.',
  ], { complexity: 1.4, breachEffect: 0.2 }),
  T('integration_error', 2, [
    '{integration} integration failing', 'Webhook errors', 'API returns {error}', '{integration} connection broken',
  ], [
    'Our {integration} integration returns {error} since {date}. Nothing changed on our side.',
    'Webhooks to our endpoint fail with timeouts; please check your side.',
    'The API gives {error} for the export endpoint with a valid token.',
  ], [
    'The {integration} token had expired; after re-connecting the integration works.',
    'We fixed a bug in the export endpoint; your calls succeed again.',
  ], { complexity: 1.6, priority: [0.05, 0.5, 0.35, 0.1], escalationEffect: 0.3, breachEffect: 0.4 }),
  T('app_release_login_bug', 0.2, [
    'Logged out after updating to 5.2', 'Login broken after update', 'App 5.2 login loop', 'cant sign in since new version',
  ], [
    'Since updating {app} to 5.2 this morning I cannot log in, it loops back to the sign-in screen.',
    'After the 5.2 update the app says "session expired" every time I log in on my {device}.',
    'The new version broke login for our whole team. We rely on this for work!',
    'Updated to version 5.2 and now I get {error} at login. Rolling back is not possible on {device}.',
  ], [
    'Release 5.2.1 fixes the login loop; please update from the store and sign in again.',
    'Engineering rolled out a fix for the 5.2 login bug; a fresh sign-in works now.',
  ], { anger: 1.7, misroute: 0.1, complexity: 1.3, priority: [0.03, 0.45, 0.4, 0.12], escalationEffect: 0.6, breachEffect: 0.5 }),
];

const ACCOUNTS: Topic[] = [
  T('password_reset', 5, [
    'Password reset email not arriving', 'Reset my password', 'Forgot password', 'reset link expired',
  ], [
    'I requested a password reset three times and no email arrives. Checked spam.',
    'The reset link says it is expired even though I clicked it right away.',
    'Please reset the password for my account, I no longer have the old email.',
    'forgot my password and the reset page gives {error}',
  ], [
    'Your mail provider was blocking our domain; I sent the reset link to your backup address.',
    'I reset the password; use the one-time link I just sent.',
  ], { anger: 0.8, priority: [0.15, 0.6, 0.2, 0.05], escalationEffect: -0.2 }),
  T('two_factor', 3, [
    'Lost my 2FA device', '2FA codes not accepted', 'Two-factor locked me out', 'new phone, need to move 2FA',
  ], [
    'I got a new {device} and lost my authenticator codes. How do I get back in?',
    'The 2FA codes are rejected every time even though the time on my phone is right.',
    'I am locked out because of two-factor and have a deadline today.',
  ], [
    'After verifying your identity I removed the old 2FA device; please set it up again.',
    'Your phone clock was drifting; after enabling automatic time the codes work.',
  ], { priority: [0.05, 0.5, 0.35, 0.1], escalationEffect: 0.1, breachEffect: 0.1 }),
  T('change_email', 3, [
    'Change the email on my account', 'Update login email', 'New work email address', 'email change request',
  ], [
    'Please change the login email from my old work address to my new one. I left my previous company.',
    'How can I update the email on the account? The settings page greys it out.',
    'We rebranded and need all 14 user emails changed to the new domain.',
  ], [
    'I updated the login email; you will receive a confirmation at the new address.',
    'Domain change done for all users; they keep their data and settings.',
  ], { anger: 0.5, priority: [0.35, 0.58, 0.06, 0.01], escalationEffect: -0.5, breachEffect: -0.2 }),
  T('close_account', 2, [
    'Close my account', 'Delete my data', 'Account closure request', 'please remove my account',
  ], [
    'Please close my account and delete my personal data as required by GDPR.',
    'We are moving to another tool. How do we close the account and export everything first?',
    'I want my account removed, I have not used it since {date}.',
  ], [
    'Your account is closed and the data deletion is scheduled within 30 days.',
    'I exported your data and closed the account as requested.',
  ], { anger: 1.2, complexity: 1.2, escalationEffect: 0.3, breachEffect: 0.1 }),
  T('data_export', 2, [
    'Export all my data', 'Data export failing', 'Need a full export', 'export stuck at 0%',
  ], [
    'The full data export has been stuck at 0% since {date}.',
    'We need an export of all projects in CSV for an audit by {date}.',
    'Export fails with {error} for workspaces larger than 1 GB.',
  ], [
    'I ran the export from our side and sent you a download link valid for 7 days.',
    'The export job had stalled; I restarted it and it finished.',
  ], { complexity: 1.3, priority: [0.2, 0.6, 0.17, 0.03] }),
  T('account_locked', 3, [
    'Account locked', 'Too many attempts - account locked', 'Why is my account suspended?', 'locked out of account',
  ], [
    'My account was locked after too many attempts and the unlock email never came.',
    'We got a notice that our account is suspended. The invoice was paid on {date}!',
    'Locked out again, this is blocking my whole team.',
  ], [
    'The lock was triggered by an old integration retrying; I unlocked the account and removed it.',
    'Your account is unlocked; the suspension was an error on our side.',
  ], { anger: 1.3, misroute: 0.15, priority: [0.05, 0.45, 0.38, 0.12], escalationEffect: 0.3, breachEffect: 0.2 }),
];

const SHIPPING: Topic[] = [
  T('where_is_my_order', 6, [
    'Where is my order {order}?', 'Order {order} not arrived', 'Tracking not updating', 'delivery status?',
  ], [
    'My order {order} was supposed to arrive on {date}. Tracking {tracking} has not moved for days.',
    'Can you tell me where my parcel is? Order {order}, shipped with {carrier}.',
    'Tracking says delivered but nothing arrived at my address in {city}.',
    'still waiting for order {order}, placed on {date}',
  ], [
    'The parcel was held at the {carrier} depot in {city}; it is out for delivery today.',
    'I opened a trace with {carrier} and sent a replacement by express.',
  ], { anger: 1.1, misroute: 0.1, priority: [0.2, 0.62, 0.15, 0.03] }),
  T('damaged_item', 3, [
    'Item arrived damaged', 'Broken {product} in the box', 'Damaged delivery {order}', 'parcel crushed',
  ], [
    'The {product} from order {order} arrived with a cracked case. Photos attached.',
    'Box was crushed and the {product} does not turn on.',
    'Received order {order} today and the screen of the {product} is broken.',
  ], [
    'Sorry about that, a replacement {product} ships today; no need to return the damaged one.',
    'I issued a full refund of {amount} for the damaged item.',
  ], { anger: 1.3, complexity: 1.1, escalationEffect: 0.2 }),
  T('address_change', 3, [
    'Change delivery address for {order}', 'Wrong address on order', 'Redirect my parcel', 'update shipping address',
  ], [
    'I entered the wrong postcode for order {order}. Can you change it before it ships?',
    'Please redirect parcel {tracking} to my office in {city}.',
    'I moved on {date}; please update the delivery address on my open order.',
  ], [
    'I updated the address on order {order} before it left the warehouse.',
    '{carrier} accepted the redirect; the parcel will arrive one day later.',
  ], { anger: 0.6, priority: [0.15, 0.55, 0.25, 0.05], escalationEffect: -0.3 }),
  T('delayed_delivery', 4, [
    'Delivery delayed again', 'Order {order} late', 'Missed delivery date', 'when will my order ship?',
  ], [
    'Order {order} was promised for {date} and it is now a week late. I needed it for an event.',
    'The delivery date keeps moving. First {date}, now next week.',
    'My order still has not shipped. Why take payment of {amount} if it is not in stock?',
  ], [
    'The item is back in stock and your order {order} ships today with free express delivery.',
    'I refunded the shipping cost of {amount} for the delay.',
  ], { anger: 1.5, complexity: 1.2, escalationEffect: 0.3, breachEffect: 0.2 }),
  T('customs_fee', 2, [
    'Unexpected customs charge', 'Import fees on order {order}', 'Why do I pay duties?', 'customs fee question',
  ], [
    '{carrier} asks me to pay {amount} customs for order {order}. Your site said duties were included.',
    'I was charged import VAT on delivery. Can you refund it?',
    'Order {order} is held at customs, what documents do you need?',
  ], [
    'I refunded the customs fee of {amount}; duties should have been prepaid.',
    'I sent the commercial invoice to {carrier}; customs released the parcel.',
  ], { anger: 1.2, complexity: 1.4, escalationEffect: 0.2, breachEffect: 0.3 }),
];

const ORDERS: Topic[] = [
  T('order_change', 4, ['Change my order {order}', 'Add an item to my order', 'Modify order before shipping'], [
    'Can I add a second {product} to order {order} before it ships?',
    'Please change the colour on order {order} to black.',
    'I want to swap the {product} in order {order} for the bigger model.',
  ], ['I updated order {order}; the new total is {amount}.'], { anger: 0.6, escalationEffect: -0.3 }),
  T('missing_item', 3, ['Item missing from order {order}', 'Package incomplete', 'Only part of my order arrived'], [
    'Order {order} arrived without the {product}. The packing slip lists it.',
    'I got 2 of the 3 items in order {order}.',
    'The box had the charger but not the {product} itself.',
  ], ['The {product} ships separately today; I added express shipping at no cost.'], { anger: 1.3, escalationEffect: 0.2 }),
  T('promo_code', 3, ['Promo code not working', 'Discount not applied', 'Coupon rejected'], [
    'The code from your newsletter is rejected at checkout for the {product}.',
    'I was promised 20% off but paid the full {amount} on order {order}.',
    'Promo code says expired but the email says valid until {date}.',
  ], ['I refunded the discount of {amount} to your card.'], { anger: 0.8, priority: [0.35, 0.58, 0.06, 0.01], escalationEffect: -0.4 }),
  T('order_cancellation', 3, ['Cancel order {order}', 'Please cancel my order', 'Stop my order before shipping'], [
    'Please cancel order {order}, I ordered the wrong {product}.',
    'I need to cancel order {order} placed on {date}. It has not shipped yet.',
    'Can you cancel my order and refund {amount}?',
  ], ['Order {order} is cancelled and {amount} refunded.'], { anger: 0.7, priority: [0.2, 0.6, 0.17, 0.03] }),
];

const RETURNS: Topic[] = [
  T('return_label', 4, ['Need a return label', 'Return label not working', 'How do I return {product}?'], [
    'I want to return the {product} from order {order}. How do I get a label?',
    'The return label link gives {error}.',
    'Where do I print the return label for order {order}?',
  ], ['I emailed you a prepaid {carrier} return label.'], { anger: 0.6, escalationEffect: -0.3 }),
  T('refund_status', 4, ['Refund not received', 'Status of my refund', 'Returned {product}, still no refund'], [
    'I returned the {product} on {date} and have not received the {amount} refund.',
    'Tracking shows you received my return two weeks ago. Where is my money?',
    'Refund for order {order} still pending.',
  ], ['Your refund of {amount} was released today; banks take 3-5 days.'], { anger: 1.5, escalationEffect: 0.3, breachEffect: 0.2 }),
  T('exchange_request', 2, ['Exchange for a different size', 'Swap {product}', 'Exchange request {order}'], [
    'Can I exchange the {product} for the larger version instead of a refund?',
    'I would like to swap order {order} for the black model.',
  ], ['The exchange is set up; the new {product} ships once we scan your return.'], { anger: 0.5 }),
  T('return_window', 2, ['Return after 30 days?', 'Outside return window', 'Return policy question'], [
    'I bought the {product} on {date}; can I still return it?',
    'The {product} stopped working after 40 days. Return or warranty?',
  ], ['As an exception I approved the return; the label is in your inbox.'], { anger: 0.9, escalationEffect: 0.1 }),
];

/** Topics for queues without a dedicated set: generic help-desk subjects about "{area}". */
function genericTopics(area: string): Topic[] {
  const A = (s: string) => s.replace(/\{area\}/g, area);
  return [
    T('general_question', 4, [A('Question about {area}'), A('{area} question'), 'Quick question'].map(A), [
      A('I have a question about {area} for our account. Who can help?'),
      A('Could you explain how {area} works for the {plan}?'),
      'Where in the settings can I change this?',
    ], ['I answered your question and added a link to the guide.'], { anger: 0.5, escalationEffect: -0.4, breachEffect: -0.2 }),
    T('access_request', 3, [A('Access to {area}'), 'Permission request', 'Need admin rights'], [
      A('I need access to {area} for my new role.'),
      'Please give my colleague admin rights, the owner left the company.',
      A('Our team lost access to {area} after {date}.'),
    ], ['Access granted; please sign out and in again.'], { anger: 0.7 }),
    T('bug_report', 3, ['Something is broken', A('{area} error {error}'), 'Bug report'], [
      A('{area} returns {error} every time we try to save.'),
      'Found a bug: the page reloads and loses what I typed.',
      A('Since {date} {area} does not work for our team.'),
    ], ['Engineering fixed the bug; please try again.'], { complexity: 1.4, escalationEffect: 0.3, breachEffect: 0.3 }),
    T('feedback', 1, ['Feedback', 'Suggestion', A('Idea for {area}')], [
      A('It would be great if {area} supported bulk edits.'),
      'Just wanted to say the new layout is confusing.',
    ], ['Thanks, I passed your feedback to the product team.'], { anger: 0.8, priority: [0.6, 0.38, 0.02, 0], escalationEffect: -0.6, breachEffect: -0.4 }),
    T('how_to', 3, ['How do I…?', A('How to set up {area}'), 'Help with settings'], [
      A('How do I set up {area} for a team of 20?'),
      'Is there a guide for importing our existing data?',
      A('What is the best way to configure {area}?'),
    ], ['Here is a step-by-step guide; I configured the first part for you.'], { anger: 0.4, priority: [0.35, 0.6, 0.04, 0.01], escalationEffect: -0.5, breachEffect: -0.3 }),
  ];
}

const cache = new Map<string, Topic[]>();
/** The topics of a queue (4–7): dedicated sets for the named queues, generic ones otherwise. */
export function topicsFor(queue: string): Topic[] {
  const hit = cache.get(queue);
  if (hit) return hit;
  const t = queue === 'billing' ? BILLING : queue === 'tech_support' ? TECH : queue === 'accounts' ? ACCOUNTS
    : queue === 'shipping' ? SHIPPING : queue === 'orders' ? ORDERS : queue === 'returns' ? RETURNS
    : genericTopics(queue.replace(/_/g, ' '));
  cache.set(queue, t);
  return t;
}

// ── Slot fillers ─────────────────────────────────────────────────────────────────────────────────────────

export const FIRST_NAMES = [
  'Emma', 'Liam', 'Olivia', 'Noah', 'Ava', 'Elijah', 'Sophia', 'James', 'Isabella', 'Lucas', 'Mia', 'Mateo', 'Amelia',
  'Ethan', 'Harper', 'Aiden', 'Priya', 'Arjun', 'Mei', 'Hiroshi', 'Fatima', 'Omar', 'Chloe', 'Daniel', 'Grace', 'Samuel',
  'Zoe', 'Leo', 'Nora', 'Isaac', 'Aisha', 'Carlos', 'Lucia', 'Tom', 'Hannah', 'Jonas', 'Ingrid', 'Kofi', 'Ama', 'Wei',
];
export const LAST_NAMES = [
  'Smith', 'Johnson', 'Williams', 'Brown', 'Jones', 'Garcia', 'Miller', 'Davis', 'Rodriguez', 'Martinez', 'Lee', 'Walker',
  'Patel', 'Nguyen', 'Kim', 'Chen', 'Singh', 'Okafor', 'Muller', 'Rossi', 'Dubois', 'Nakamura', 'Haddad', 'Silva',
  'Novak', 'Andersen', 'OBrien', 'Murphy', 'Clarke', 'Khan', 'Mensah', 'Lopez', 'Hughes', 'Wright', 'Young', 'Hall',
];
const PLANS = ['Starter plan', 'Team plan', 'Business plan', 'Pro plan', 'Enterprise plan'];
const PRODUCTS = ['Northwind Hub', 'SmartPlug Mini', 'Router X200', 'Mesh Node', 'Cam Pro 2', 'Sensor Kit', 'Doorbell S'];
const DEVICES = ['iPhone 15', 'Pixel 8', 'Galaxy S24', 'iPad', 'MacBook Air', 'Windows laptop', 'Chromebook'];
const APPS = ['the mobile app', 'the desktop app', 'the web app', 'the iOS app', 'the Android app'];
const ERRORS = ['ERR-403', 'error 500', 'E1027', 'error 429', 'NW-4410', 'code 0x80070005', '"unknown error"'];
const FEATURES = ['calendar sync', 'file sync', 'contacts sync', 'offline mode', 'shared folders'];
const INTEGRATIONS = ['Salesforce', 'HubSpot', 'Google Drive', 'Slack', 'Zapier', 'Outlook'];
const CARRIERS = ['DHL', 'Royal Mail', 'DPD', 'UPS', 'Evri'];
const CITIES = ['Leeds', 'Manchester', 'Bristol', 'Glasgow', 'London', 'Dublin', 'Birmingham', 'Cardiff'];
const CARDS = ['Visa ending 4242', 'Mastercard ending 5100', 'Amex ending 1005', 'Visa ending 0077'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

const digits = (r: Rng, n: number) => {
  let s = '';
  for (let i = 0; i < n; i++) s += String(r.int(10));
  return s;
};

/** Fills {slots} in a template; `createdMs` anchors dates a few days before the ticket. */
export function fill(t: string, r: Rng, createdMs: number, currency: '$' | '£' = '$'): string {
  return t.replace(/\{(\w+)\}/g, (_, k: string) => {
    switch (k) {
      case 'plan': return r.pick(PLANS);
      case 'product': return r.pick(PRODUCTS);
      case 'device': return r.pick(DEVICES);
      case 'app': return r.pick(APPS);
      case 'error': return r.pick(ERRORS);
      case 'feature': return r.pick(FEATURES);
      case 'integration': return r.pick(INTEGRATIONS);
      case 'carrier': return r.pick(CARRIERS);
      case 'city': return r.pick(CITIES);
      case 'card': return r.pick(CARDS);
      case 'version': return `5.${r.int(2)}.${r.int(6)}`;
      case 'amount': return `${currency}${(5 + r.next() * r.pick([40, 120, 400, 1500])).toFixed(2)}`;
      case 'invoice': return `INV-2026-${digits(r, 5)}`;
      case 'order': return `NW-${digits(r, 6)}`;
      case 'tracking': return `${r.pick(['1Z', 'JD', 'RM'])}${digits(r, 10)}`;
      case 'date': {
        const d = new Date(createdMs - (1 + r.int(20)) * 86_400_000);
        return r.next() < 0.5 ? `${MONTHS[d.getUTCMonth()]} ${d.getUTCDate()}` : d.toISOString().slice(0, 10);
      }
      default: return k;
    }
  });
}

/** One typo in ~1 of 10 texts: a swapped, dropped or doubled letter inside a word of 5+ letters. */
export function typo(text: string, r: Rng): string {
  const words = text.split(' ');
  const idx: number[] = [];
  for (let i = 0; i < words.length; i++) if (/^[a-z]{5,}$/.test(words[i])) idx.push(i);
  if (idx.length === 0) return text;
  const i = r.pick(idx);
  const w = words[i];
  const j = 1 + r.int(w.length - 2);
  const kind = r.int(3);
  words[i] = kind === 0 ? w.slice(0, j) + w[j + 1] + w[j] + w.slice(j + 2)
    : kind === 1 ? w.slice(0, j) + w.slice(j + 1)
    : w.slice(0, j) + w[j] + w.slice(j);
  return words.join(' ');
}

/**
 * Negative cue phrases. Each inserted phrase adds one unit of the latent `negative_cues` feature; the
 * phrases contain the words a model can learn ("cancel", "lawyer", "third time", "unacceptable", …).
 */
export const NEGATIVE_CUES = [
  'This is unacceptable.',
  'This is the third time I am contacting you about this.',
  'If this is not fixed today I will cancel my subscription.',
  'I am talking to my lawyer about this.',
  'Honestly this is ridiculous.',
  'Worst support experience I have ever had.',
  'I will file a chargeback with my bank if I have to.',
  'I want this escalated to a manager.',
  'I have wasted hours on this already and I am furious.',
  'Third time asking. Unacceptable.',
  'Cancel my account if you cannot sort this out.',
] as const;

const GREETINGS = ['Hi,', 'Hello,', 'Hi team,', 'Hey,', 'Good morning,', '', '', 'Dear support,'];
const CLOSINGS = ['Thanks,', 'Thank you,', 'Regards,', 'Cheers,', 'Best,', ''];

/** An e-mail address or phone number a customer leaves in the text (reserved example domains / 555 numbers). */
export function contactDetail(r: Rng, first: string, last: string): string {
  if (r.next() < 0.55) {
    const dom = r.pick(['example.com', 'example.org', 'mail.example.net']);
    return `You can reach me at ${first.toLowerCase()}.${last.toLowerCase()}${r.int(100)}@${dom}.`;
  }
  const phone = r.next() < 0.6 ? `+1 (555) 01${digits(r, 1)}-${digits(r, 4)}` : `+44 20 7946 0${digits(r, 3)}`;
  return r.pick([`Call me on ${phone}.`, `My phone is ${phone}.`, `Please ring ${phone} if easier.`]);
}

export interface ComposedBody {
  subject: string;
  body: string;
}

/** Subject and first message: greeting, the topic's problem (maybe a typo), cues, contact details, sign-off. */
export function composeTicket(
  topic: Topic, r: Rng, createdMs: number, cues: number, first: string, last: string, currency: '$' | '£',
): ComposedBody {
  const subject = fill(r.pick(topic.subjects), r, createdMs, currency);
  let problem = fill(r.pick(topic.bodies), r, createdMs, currency);
  if (r.next() < 0.35) problem += ' ' + fill(r.pick(topic.bodies), r, createdMs, currency);
  if (r.next() < 0.1) problem = typo(problem, r);
  if (r.next() < 0.15) problem = problem.toLowerCase();
  const parts: string[] = [];
  const g = r.pick(GREETINGS);
  if (g) parts.push(g);
  parts.push(problem);
  for (let i = 0; i < cues; i++) parts.push(r.pick(NEGATIVE_CUES));
  if (r.next() < 0.18) parts.push(contactDetail(r, first, last));
  const c = r.pick(CLOSINGS);
  parts.push(c ? `${c}\n${first}` : first);
  return { subject, body: parts.join(r.next() < 0.5 ? '\n\n' : ' ') };
}

export const AGENT_FIRST_REPLIES = [
  'Hi {first}, thanks for reaching out. I am looking into this now and will update you shortly.',
  'Hello {first}, sorry for the trouble. Could you confirm the account email and when this started?',
  'Hi {first}, thanks for the details. I have reproduced the issue and am checking with the team.',
  'Thanks {first}. I can see the problem on our side; give me a little time to sort it out.',
  'Hi {first}, apologies for the wait. Can you send a screenshot of what you see?',
];
export const TRANSFER_NOTES = [
  'Routing to {to}, this belongs with them.',
  'Moving to the {to} queue.',
  'Auto-routed to {to} by topic rules.',
];
export const CUSTOMER_FOLLOWUPS = [
  'Any update on this?',
  'Still waiting for an answer.',
  'I tried that and it still does not work.',
  'Attached the screenshot you asked for.',
  'Is anyone looking at this?',
  'Thanks, here are the details you asked for.',
];
export const CUSTOMER_REOPEN = ['It is happening again.', 'The problem came back this morning.', 'This is not fixed, same error as before.'];
export const AGENT_FOLLOWUPS = [
  'Quick update: our engineers are still working on it.',
  'Thanks for your patience, I have escalated the logs internally.',
  'Could you try again now and let me know?',
];
export const ESCALATION_NOTES = [
  'Escalated to tier 2 after customer complaint.',
  'Escalating to the team lead: high-value customer, repeated contact.',
  'Escalated: needs engineering investigation.',
];
