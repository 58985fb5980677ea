/**
 * The exact fault bodies QuickBooks Online answers with (texts from recorded responses where one exists,
 * see reference/qbo-api.md §2.2, §3.3, §5, §7, §9). Every builder returns data; the HTTP layer serialises.
 */

export interface QboErrorItem {
  Message: string;
  Detail: string;
  code: string;
  element?: string;
}

export type FaultType = 'ValidationFault' | 'SystemFault' | 'AuthorizationFault' | 'SERVICE';

/** A fault raised by an operation; the API layer turns it into `{"Fault":…,"time":…}` with `status`. */
export class QboFault extends Error {
  constructor(
    readonly status: number,
    readonly type: FaultType,
    readonly errors: QboErrorItem[],
  ) {
    super(errors.map((e) => `${e.code} ${e.Message}`).join('; '));
    this.name = 'QboFault';
  }
}

export function faultBody(fault: QboFault, time: string): Record<string, unknown> {
  return { Fault: { Error: fault.errors, type: fault.type }, time };
}

const validation = (error: QboErrorItem, status = 400) => new QboFault(status, 'ValidationFault', [error]);

export const faults = {
  duplicateDocNumber: (docNumber: string, txnType: string, txnId: string) =>
    validation({
      Message: 'Duplicate Document Number Error',
      Detail: `Duplicate Document Number Error : You must specify a different number. This number has already been used. DocNumber=${docNumber} is assigned to TxnType=${txnType} with TxnId=${txnId}`,
      code: '6140',
      element: '',
    }),
  // Recorded without `element` (qbo-api.md §5.2).
  duplicateName: () =>
    validation({
      Message: 'Duplicate Name Exists Error',
      Detail: 'The name supplied already exists. : null',
      code: '6240',
    }),
  objectNotFound: () =>
    validation({
      Message: 'Object Not Found',
      Detail:
        "Object Not Found : Something you're trying to use has been made inactive. Check the fields with accounts, customers, items, vendors or employees.",
      code: '610',
      element: '',
    }),
  staleObject: () =>
    validation({
      Message: 'Stale Object Error',
      Detail:
        'Stale Object Error : You and Emulator User were working on this at the same time. Emulator User finished before you did, so your work was not saved.',
      code: '5010',
      element: '',
    }),
  requiredParam: (element: string) =>
    validation({
      Message: 'Required param missing, need to supply the required value for the API',
      Detail: `Required parameter ${element} is missing in the request`,
      code: '2020',
      element,
    }),
  invalidReference: (element: string, entity: string, id: string) =>
    validation({
      Message: 'Invalid Reference Id',
      Detail: `Invalid Reference Id : ${entity} element id ${id} not found or inactive`,
      code: '2500',
      element,
    }),
  amountCalculation: (supplied: string) =>
    validation({
      Message: 'Amount calculation incorrect in the request',
      Detail: `Amount is not equal to UnitPrice * Qty. Supplied value:${supplied}`,
      code: '6070',
      element: 'Line.Amount',
    }),
  stringLength: (element: string, max: number, supplied: number) =>
    validation({
      Message: 'String length is either shorter or longer than supported by specification',
      Detail: `String length specified does not match the supported length. Min:0 Max:${max} supplied length:${supplied}`,
      code: '2050',
      element,
    }),
  unknownProperty: (property: string, entity: string) =>
    validation({
      Message: 'Request has invalid or unsupported property',
      Detail: `Property Name:Unrecognized field "${property}" (class com.intuit.schema.finance.v3.${entity}), not marked as ignorable specified is unsupported or invalid`,
      code: '2010',
      element: '',
    }),
  invalidValue: (element: string, detail: string) =>
    validation({
      Message: 'Request has invalid or unsupported property',
      Detail: `Property Name:${element} specified is unsupported or invalid: ${detail}`,
      code: '2010',
      element,
    }),
  emptyBody: () =>
    validation({
      Message: 'Request Body is Empty',
      Detail: 'Request Body is Empty',
      code: '2310',
      element: '',
    }),
  invalidId: (value: string) =>
    validation({
      Message: 'Invalid ID',
      Detail: `Id should be a valid number. Supplied value:${value}`,
      code: '2030',
      element: 'Id',
    }),
  unsupportedOperation: (relativePath: string, fullUrl: string) =>
    validation({
      Message: 'Unsupported Operation',
      Detail: `Operation Could not find resource for relative : ${relativePath} of full path: ${fullUrl} is not supported.`,
      code: '500',
    }),
  operationNotSupported: (operation: string, entity: string, hint: string) =>
    validation({
      Message: 'Unsupported Operation',
      Detail: `Operation ${operation} is not supported for ${entity}. ${hint}`,
      code: '500',
    }),
  businessValidation: (detail: string, element = '') =>
    validation({
      Message: 'A business validation error has occurred while processing your request',
      Detail: `Business Validation Error: ${detail}`,
      code: '6000',
      element,
    }),
  requestIdTooLong: (length: number) =>
    faults.businessValidation(
      `You cannot enter more than 50 characters in the request_id field. You entered ${length} characters.`,
    ),
  queryParse: (detail: string) =>
    validation({ Message: 'Error parsing query', Detail: `QueryParserError: ${detail}`, code: '4000' }),
  queryValidation: (detail: string) =>
    validation({ Message: 'Invalid query', Detail: `QueryValidationError: ${detail}`, code: '4001' }),
  // The issue asks us to reject retired minor versions (Intuit itself now ignores them, qbo-api.md §8).
  minorVersionRetired: (value: string) =>
    validation({
      Message: 'Invalid minor version',
      Detail: `minorversion=${value} is not supported: minor versions 1-74 were retired on 1 August 2025. Send minorversion=75 or later (or omit it, which means 75).`,
      code: '2010',
      element: 'minorversion',
    }),
  batchTooLarge: (count: number, max: number) =>
    validation({
      Message: 'Batch request limit exceeded',
      Detail: `A batch may hold at most ${max} BatchItemRequest entries; this one has ${count}. Split it into smaller batches.`,
      code: '6000',
      element: 'BatchItemRequest',
    }),
  systemFault: () =>
    new QboFault(500, 'SystemFault', [
      {
        Message: 'An application error has occurred while processing your request',
        Detail: 'System Failure Error: An unexpected error occurred while accessing or saving your data.',
        code: '10000',
      },
    ]),
  wrongRealm: (realmId: string) =>
    new QboFault(403, 'AuthorizationFault', [
      {
        Message: 'message=ApplicationAuthorizationFailed; errorCode=003100; statusCode=403',
        Detail: `The access token was not issued for company ${realmId}.`,
        code: '3100',
      },
    ]),
};

/** The 401 body uses lowercase keys and an epoch-ms `time` (recorded, qbo-api.md §9.1). */
export function authenticationFailureBody(nowMs: number, detail: string): Record<string, unknown> {
  return {
    warnings: null,
    intuitObject: null,
    fault: {
      error: [
        {
          message: 'message=AuthenticationFailed; errorCode=003200; statusCode=401',
          detail,
          code: '3200',
          element: null,
        },
      ],
      type: 'AUTHENTICATION',
    },
    report: null,
    queryResponse: null,
    batchItemResponse: [],
    attachableResponse: [],
    syncErrorResponse: null,
    requestId: null,
    time: nowMs,
    status: null,
    cdcresponse: [],
  };
}

export const authenticateHeader = 'Bearer realm="Intuit", error="invalid_token"';

/** Throttling answers in XML even to JSON clients (an acknowledged Intuit bug we reproduce, §2.2). */
export function throttleXml(time: string, status: 429 | 403): string {
  return [
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>',
    `<IntuitResponse time="${time}" xmlns="http://schema.intuit.com/finance/v3">`,
    '  <Fault type="SERVICE">',
    '    <Error code="3001">',
    `      <Message>message=ThrottleExceeded; errorCode=003001; statusCode=${status}</Message>`,
    '      <Detail>The request limit was reached.  Try again later</Detail>',
    '    </Error>',
    '  </Fault>',
    '</IntuitResponse>',
  ].join('\n');
}

/** What the gateway in front of QBO answers for an oversized body (an HTML page, not a fault). */
export const entityTooLargeHtml =
  '<html><head><title>413 Request Entity Too Large</title></head><body><center><h1>413 Request Entity Too Large</h1></center></body></html>';

export const serviceUnavailableHtml =
  '<html><head><title>503 Service Unavailable</title></head><body><h1>Service Unavailable</h1><p>The server is temporarily unable to service your request. Please try again later.</p></body></html>';

export const badGatewayHtml =
  '<html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1></body></html>';

export const gatewayTimeoutHtml =
  '<html><head><title>504 Gateway Time-out</title></head><body><h1>Gateway Time-out</h1></body></html>';
