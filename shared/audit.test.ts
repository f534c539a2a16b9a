import { Kind, parse, type OperationDefinitionNode } from 'graphql';
import { acceptedOperationLabel, operationLabel } from './audit';

const operationOf = (text: string) => parse(text).definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);

describe('the operation a record names', () => {
  it('is the client\'s name, or an anonymous operation\'s top fields', () => {
    expect(operationLabel(operationOf('query ChartReview { patient(id: "1") { id } }'), 'ChartReview')).toBe('ChartReview');
    expect(operationLabel(operationOf('{ patient(id: "1") { id } worklist { totalCount } ...F } fragment F on Query { me }'), null)).toBe('patient,worklist,...');
    expect(operationLabel(undefined, null)).toBeNull();
  });

  it('is taken from the gateway\'s header only as operationLabel writes it', () => {
    for (const good of ['ChartReview', 'patient,worklist', '_entities', 'patient,...']) expect(acceptedOperationLabel(good)).toBe(good);
    for (const bad of ['', 'a b', 'x\r\nx-request-id: 1', 'patient,', '1abc', '…', 'a'.repeat(201), ['a'], undefined]) expect(acceptedOperationLabel(bad)).toBeNull();
  });
});
