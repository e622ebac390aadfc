/** previewTemplate (pure): variables as a JSON literal in the document render like the same JSON sent as a variable. */
import { parseValue } from 'graphql';
import { GraphQLJSON } from '../../src/graphql/scalars';
import { previewTemplate } from '../../src/campaigns/template.service';

describe('previewTemplate', () => {
  it('renders values parsed from a JSON literal (objects without a prototype) as from JSON variables', () => {
    const literal = GraphQLJSON.parseLiteral(parseValue('{ name: "Ana", list: [1, 2.5, null, { x: true }], obj: { y: 1 } }'), {});
    const variable = JSON.parse('{ "name": "Ana", "list": [1, 2.5, null, { "x": true }], "obj": { "y": 1 } }');
    const template = 'Hi {name} {list} {obj}';
    expect(previewTemplate(template, null, literal)).toEqual(previewTemplate(template, null, variable));
    expect(previewTemplate(template, null, literal).rendered).toBe('Hi Ana 1,2.5,,[object Object] [object Object]');
  });
});
