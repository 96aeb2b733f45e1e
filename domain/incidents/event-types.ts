/**
 * selfheal's own EventBridge events: the detectors publish incidents with these, operators send
 * requests with these, and dispatch's normaliser reads them. One definition for both sides.
 */
export const DETECTOR_SOURCE = 'selfheal.detectors';
export const GREY_FAILURE_DETAIL_TYPE = 'Cell Grey Failure Detected';
export const OPERATOR_SOURCE = 'selfheal.operator';
export const OPERATOR_DETAIL_TYPE = 'Remediation Requested';
