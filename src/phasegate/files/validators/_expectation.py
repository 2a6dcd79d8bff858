"""Generated from schemas/expectation.schema.json by phasegate.files.validators.generate."""
VERSION = "2.22.3"
from phasegate.files.validators import Decimal
from phasegate.files.validators import JsonSchemaValueException, JsonSchemaValuesException


NoneType = type(None)

def validate_https___phasegate_dev_schemas_expectation_schema_json(data, custom_formats={}, name_prefix=None):
    if not isinstance(data, (dict)):
        raise JsonSchemaValueException("" + (name_prefix or "data") + " must be object", value=data, name="" + (name_prefix or "data") + "", definition={'$schema': 'https://json-schema.org/draft/2019-09/schema', '$id': 'https://phasegate.dev/schemas/expectation.schema.json', 'title': 'phasegate replay expectations v1', 'description': 'Expected verdicts of replayed snapshots (`phasegate replay --expect`), so recorded incidents become regression tests for the policies.', 'type': 'object', 'additionalProperties': False, 'required': ['apiVersion', 'kind', 'expect'], 'properties': {'apiVersion': {'const': 'phasegate/v1'}, 'kind': {'const': 'ReplayExpectation'}, 'expect': {'type': 'array', 'minItems': 1, 'items': {'type': 'object', 'additionalProperties': False, 'required': ['verdict'], 'oneOf': [{'required': ['at']}, {'required': ['from', 'to']}], 'properties': {'verdict': {'enum': ['continue', 'pause', 'rollback']}, 'at': {'type': 'integer', 'minimum': 0, 'description': 'One snapshot index (0-based, in collected_at order).'}, 'from': {'oneOf': [{'type': 'integer', 'minimum': 0}, {'type': 'string', 'format': 'date-time'}], 'description': 'First snapshot index, or a time (RFC 3339).'}, 'to': {'oneOf': [{'type': 'integer', 'minimum': 0}, {'type': 'string', 'format': 'date-time'}], 'description': 'Last snapshot index, or a time; inclusive.'}, 'recording': {'type': 'string', 'description': 'Only recordings whose path contains this text.'}}}}}}, rule='type')
    data_is_dict = isinstance(data, dict)
    if data_is_dict:
        data__missing_keys = set(['apiVersion', 'kind', 'expect']) - data.keys()
        if data__missing_keys:
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must contain " + (str(sorted(data__missing_keys)) + " properties"), value=data, name="" + (name_prefix or "data") + "", definition={'$schema': 'https://json-schema.org/draft/2019-09/schema', '$id': 'https://phasegate.dev/schemas/expectation.schema.json', 'title': 'phasegate replay expectations v1', 'description': 'Expected verdicts of replayed snapshots (`phasegate replay --expect`), so recorded incidents become regression tests for the policies.', 'type': 'object', 'additionalProperties': False, 'required': ['apiVersion', 'kind', 'expect'], 'properties': {'apiVersion': {'const': 'phasegate/v1'}, 'kind': {'const': 'ReplayExpectation'}, 'expect': {'type': 'array', 'minItems': 1, 'items': {'type': 'object', 'additionalProperties': False, 'required': ['verdict'], 'oneOf': [{'required': ['at']}, {'required': ['from', 'to']}], 'properties': {'verdict': {'enum': ['continue', 'pause', 'rollback']}, 'at': {'type': 'integer', 'minimum': 0, 'description': 'One snapshot index (0-based, in collected_at order).'}, 'from': {'oneOf': [{'type': 'integer', 'minimum': 0}, {'type': 'string', 'format': 'date-time'}], 'description': 'First snapshot index, or a time (RFC 3339).'}, 'to': {'oneOf': [{'type': 'integer', 'minimum': 0}, {'type': 'string', 'format': 'date-time'}], 'description': 'Last snapshot index, or a time; inclusive.'}, 'recording': {'type': 'string', 'description': 'Only recordings whose path contains this text.'}}}}}}, rule='required')
        data_keys = set(data.keys())
        if "apiVersion" in data_keys:
            data_keys.remove("apiVersion")
            data__apiVersion = data["apiVersion"]
            if not (isinstance(data__apiVersion, str) and data__apiVersion == 'phasegate/v1'):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".apiVersion must be same as const definition: phasegate/v1", value=data__apiVersion, name="" + (name_prefix or "data") + ".apiVersion", definition={'const': 'phasegate/v1'}, rule='const')
        if "kind" in data_keys:
            data_keys.remove("kind")
            data__kind = data["kind"]
            if not (isinstance(data__kind, str) and data__kind == 'ReplayExpectation'):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".kind must be same as const definition: ReplayExpectation", value=data__kind, name="" + (name_prefix or "data") + ".kind", definition={'const': 'ReplayExpectation'}, rule='const')
        if "expect" in data_keys:
            data_keys.remove("expect")
            data__expect = data["expect"]
            if not isinstance(data__expect, (list, tuple)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".expect must be array", value=data__expect, name="" + (name_prefix or "data") + ".expect", definition={'type': 'array', 'minItems': 1, 'items': {'type': 'object', 'additionalProperties': False, 'required': ['verdict'], 'oneOf': [{'required': ['at']}, {'required': ['from', 'to']}], 'properties': {'verdict': {'enum': ['continue', 'pause', 'rollback']}, 'at': {'type': 'integer', 'minimum': 0, 'description': 'One snapshot index (0-based, in collected_at order).'}, 'from': {'oneOf': [{'type': 'integer', 'minimum': 0}, {'type': 'string', 'format': 'date-time'}], 'description': 'First snapshot index, or a time (RFC 3339).'}, 'to': {'oneOf': [{'type': 'integer', 'minimum': 0}, {'type': 'string', 'format': 'date-time'}], 'description': 'Last snapshot index, or a time; inclusive.'}, 'recording': {'type': 'string', 'description': 'Only recordings whose path contains this text.'}}}}, rule='type')
            data__expect_is_list = isinstance(data__expect, (list, tuple))
            if data__expect_is_list:
                data__expect_len = len(data__expect)
                if data__expect_len < 1:
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".expect must contain at least 1 items", value=data__expect, name="" + (name_prefix or "data") + ".expect", definition={'type': 'array', 'minItems': 1, 'items': {'type': 'object', 'additionalProperties': False, 'required': ['verdict'], 'oneOf': [{'required': ['at']}, {'required': ['from', 'to']}], 'properties': {'verdict': {'enum': ['continue', 'pause', 'rollback']}, 'at': {'type': 'integer', 'minimum': 0, 'description': 'One snapshot index (0-based, in collected_at order).'}, 'from': {'oneOf': [{'type': 'integer', 'minimum': 0}, {'type': 'string', 'format': 'date-time'}], 'description': 'First snapshot index, or a time (RFC 3339).'}, 'to': {'oneOf': [{'type': 'integer', 'minimum': 0}, {'type': 'string', 'format': 'date-time'}], 'description': 'Last snapshot index, or a time; inclusive.'}, 'recording': {'type': 'string', 'description': 'Only recordings whose path contains this text.'}}}}, rule='minItems')
                for data__expect_x, data__expect_item in enumerate(data__expect):
                    if not isinstance(data__expect_item, (dict)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".expect[{data__expect_x}]".format(**locals()) + " must be object", value=data__expect_item, name="" + (name_prefix or "data") + ".expect[{data__expect_x}]".format(**locals()) + "", definition={'type': 'object', 'additionalProperties': False, 'required': ['verdict'], 'oneOf': [{'required': ['at']}, {'required': ['from', 'to']}], 'properties': {'verdict': {'enum': ['continue', 'pause', 'rollback']}, 'at': {'type': 'integer', 'minimum': 0, 'description': 'One snapshot index (0-based, in collected_at order).'}, 'from': {'oneOf': [{'type': 'integer', 'minimum': 0}, {'type': 'string', 'format': 'date-time'}], 'description': 'First snapshot index, or a time (RFC 3339).'}, 'to': {'oneOf': [{'type': 'integer', 'minimum': 0}, {'type': 'string', 'format': 'date-time'}], 'description': 'Last snapshot index, or a time; inclusive.'}, 'recording': {'type': 'string', 'description': 'Only recordings whose path contains this text.'}}}, rule='type')
                    data__expect_item_one_of_count1 = 0
                    if data__expect_item_one_of_count1 < 2:
                        try:
                            data__expect_item_is_dict = isinstance(data__expect_item, dict)
                            if data__expect_item_is_dict:
                                data__expect_item__missing_keys = set(['at']) - data__expect_item.keys()
                                if data__expect_item__missing_keys:
                                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".expect[{data__expect_x}]".format(**locals()) + " must contain " + (str(sorted(data__expect_item__missing_keys)) + " properties"), value=data__expect_item, name="" + (name_prefix or "data") + ".expect[{data__expect_x}]".format(**locals()) + "", definition={'required': ['at']}, rule='required')
                            data__expect_item_one_of_count1 += 1
                        except (JsonSchemaValueException, JsonSchemaValuesException): pass
                    if data__expect_item_one_of_count1 < 2:
                        try:
                            data__expect_item_is_dict = isinstance(data__expect_item, dict)
                            if data__expect_item_is_dict:
                                data__expect_item__missing_keys = set(['from', 'to']) - data__expect_item.keys()
                                if data__expect_item__missing_keys:
                                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".expect[{data__expect_x}]".format(**locals()) + " must contain " + (str(sorted(data__expect_item__missing_keys)) + " properties"), value=data__expect_item, name="" + (name_prefix or "data") + ".expect[{data__expect_x}]".format(**locals()) + "", definition={'required': ['from', 'to']}, rule='required')
                            data__expect_item_one_of_count1 += 1
                        except (JsonSchemaValueException, JsonSchemaValuesException): pass
                    if data__expect_item_one_of_count1 != 1:
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".expect[{data__expect_x}]".format(**locals()) + " must be valid exactly by one definition" + (" (" + str(data__expect_item_one_of_count1) + " matches found)"), value=data__expect_item, name="" + (name_prefix or "data") + ".expect[{data__expect_x}]".format(**locals()) + "", definition={'type': 'object', 'additionalProperties': False, 'required': ['verdict'], 'oneOf': [{'required': ['at']}, {'required': ['from', 'to']}], 'properties': {'verdict': {'enum': ['continue', 'pause', 'rollback']}, 'at': {'type': 'integer', 'minimum': 0, 'description': 'One snapshot index (0-based, in collected_at order).'}, 'from': {'oneOf': [{'type': 'integer', 'minimum': 0}, {'type': 'string', 'format': 'date-time'}], 'description': 'First snapshot index, or a time (RFC 3339).'}, 'to': {'oneOf': [{'type': 'integer', 'minimum': 0}, {'type': 'string', 'format': 'date-time'}], 'description': 'Last snapshot index, or a time; inclusive.'}, 'recording': {'type': 'string', 'description': 'Only recordings whose path contains this text.'}}}, rule='oneOf')
                    data__expect_item_is_dict = isinstance(data__expect_item, dict)
                    if data__expect_item_is_dict:
                        data__expect_item__missing_keys = set(['verdict']) - data__expect_item.keys()
                        if data__expect_item__missing_keys:
                            raise JsonSchemaValueException("" + (name_prefix or "data") + ".expect[{data__expect_x}]".format(**locals()) + " must contain " + (str(sorted(data__expect_item__missing_keys)) + " properties"), value=data__expect_item, name="" + (name_prefix or "data") + ".expect[{data__expect_x}]".format(**locals()) + "", definition={'type': 'object', 'additionalProperties': False, 'required': ['verdict'], 'oneOf': [{'required': ['at']}, {'required': ['from', 'to']}], 'properties': {'verdict': {'enum': ['continue', 'pause', 'rollback']}, 'at': {'type': 'integer', 'minimum': 0, 'description': 'One snapshot index (0-based, in collected_at order).'}, 'from': {'oneOf': [{'type': 'integer', 'minimum': 0}, {'type': 'string', 'format': 'date-time'}], 'description': 'First snapshot index, or a time (RFC 3339).'}, 'to': {'oneOf': [{'type': 'integer', 'minimum': 0}, {'type': 'string', 'format': 'date-time'}], 'description': 'Last snapshot index, or a time; inclusive.'}, 'recording': {'type': 'string', 'description': 'Only recordings whose path contains this text.'}}}, rule='required')
                        data__expect_item_keys = set(data__expect_item.keys())
                        if "verdict" in data__expect_item_keys:
                            data__expect_item_keys.remove("verdict")
                            data__expect_item__verdict = data__expect_item["verdict"]
                            if not (isinstance(data__expect_item__verdict, str) and data__expect_item__verdict == 'continue' or isinstance(data__expect_item__verdict, str) and data__expect_item__verdict == 'pause' or isinstance(data__expect_item__verdict, str) and data__expect_item__verdict == 'rollback'):
                                raise JsonSchemaValueException("" + (name_prefix or "data") + ".expect[{data__expect_x}].verdict".format(**locals()) + " must be one of ['continue', 'pause', 'rollback']", value=data__expect_item__verdict, name="" + (name_prefix or "data") + ".expect[{data__expect_x}].verdict".format(**locals()) + "", definition={'enum': ['continue', 'pause', 'rollback']}, rule='enum')
                        if "at" in data__expect_item_keys:
                            data__expect_item_keys.remove("at")
                            data__expect_item__at = data__expect_item["at"]
                            if not isinstance(data__expect_item__at, (int)) and not (isinstance(data__expect_item__at, float) and data__expect_item__at.is_integer()) or isinstance(data__expect_item__at, bool):
                                raise JsonSchemaValueException("" + (name_prefix or "data") + ".expect[{data__expect_x}].at".format(**locals()) + " must be integer", value=data__expect_item__at, name="" + (name_prefix or "data") + ".expect[{data__expect_x}].at".format(**locals()) + "", definition={'type': 'integer', 'minimum': 0, 'description': 'One snapshot index (0-based, in collected_at order).'}, rule='type')
                            if isinstance(data__expect_item__at, (int, float, Decimal)) and not isinstance(data__expect_item__at, bool):
                                if data__expect_item__at < 0:
                                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".expect[{data__expect_x}].at".format(**locals()) + " must be bigger than or equal to 0", value=data__expect_item__at, name="" + (name_prefix or "data") + ".expect[{data__expect_x}].at".format(**locals()) + "", definition={'type': 'integer', 'minimum': 0, 'description': 'One snapshot index (0-based, in collected_at order).'}, rule='minimum')
                        if "from" in data__expect_item_keys:
                            data__expect_item_keys.remove("from")
                            data__expect_item__from = data__expect_item["from"]
                            data__expect_item__from_one_of_count2 = 0
                            if data__expect_item__from_one_of_count2 < 2:
                                try:
                                    if not isinstance(data__expect_item__from, (int)) and not (isinstance(data__expect_item__from, float) and data__expect_item__from.is_integer()) or isinstance(data__expect_item__from, bool):
                                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".expect[{data__expect_x}].from".format(**locals()) + " must be integer", value=data__expect_item__from, name="" + (name_prefix or "data") + ".expect[{data__expect_x}].from".format(**locals()) + "", definition={'type': 'integer', 'minimum': 0}, rule='type')
                                    if isinstance(data__expect_item__from, (int, float, Decimal)) and not isinstance(data__expect_item__from, bool):
                                        if data__expect_item__from < 0:
                                            raise JsonSchemaValueException("" + (name_prefix or "data") + ".expect[{data__expect_x}].from".format(**locals()) + " must be bigger than or equal to 0", value=data__expect_item__from, name="" + (name_prefix or "data") + ".expect[{data__expect_x}].from".format(**locals()) + "", definition={'type': 'integer', 'minimum': 0}, rule='minimum')
                                    data__expect_item__from_one_of_count2 += 1
                                except (JsonSchemaValueException, JsonSchemaValuesException): pass
                            if data__expect_item__from_one_of_count2 < 2:
                                try:
                                    if not isinstance(data__expect_item__from, (str)):
                                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".expect[{data__expect_x}].from".format(**locals()) + " must be string", value=data__expect_item__from, name="" + (name_prefix or "data") + ".expect[{data__expect_x}].from".format(**locals()) + "", definition={'type': 'string', 'format': 'date-time'}, rule='type')
                                    if isinstance(data__expect_item__from, str):
                                        if not custom_formats["date-time"](data__expect_item__from):
                                            raise JsonSchemaValueException("" + (name_prefix or "data") + ".expect[{data__expect_x}].from".format(**locals()) + " must be date-time", value=data__expect_item__from, name="" + (name_prefix or "data") + ".expect[{data__expect_x}].from".format(**locals()) + "", definition={'type': 'string', 'format': 'date-time'}, rule='format')
                                    data__expect_item__from_one_of_count2 += 1
                                except (JsonSchemaValueException, JsonSchemaValuesException): pass
                            if data__expect_item__from_one_of_count2 != 1:
                                raise JsonSchemaValueException("" + (name_prefix or "data") + ".expect[{data__expect_x}].from".format(**locals()) + " must be valid exactly by one definition" + (" (" + str(data__expect_item__from_one_of_count2) + " matches found)"), value=data__expect_item__from, name="" + (name_prefix or "data") + ".expect[{data__expect_x}].from".format(**locals()) + "", definition={'oneOf': [{'type': 'integer', 'minimum': 0}, {'type': 'string', 'format': 'date-time'}], 'description': 'First snapshot index, or a time (RFC 3339).'}, rule='oneOf')
                        if "to" in data__expect_item_keys:
                            data__expect_item_keys.remove("to")
                            data__expect_item__to = data__expect_item["to"]
                            data__expect_item__to_one_of_count3 = 0
                            if data__expect_item__to_one_of_count3 < 2:
                                try:
                                    if not isinstance(data__expect_item__to, (int)) and not (isinstance(data__expect_item__to, float) and data__expect_item__to.is_integer()) or isinstance(data__expect_item__to, bool):
                                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".expect[{data__expect_x}].to".format(**locals()) + " must be integer", value=data__expect_item__to, name="" + (name_prefix or "data") + ".expect[{data__expect_x}].to".format(**locals()) + "", definition={'type': 'integer', 'minimum': 0}, rule='type')
                                    if isinstance(data__expect_item__to, (int, float, Decimal)) and not isinstance(data__expect_item__to, bool):
                                        if data__expect_item__to < 0:
                                            raise JsonSchemaValueException("" + (name_prefix or "data") + ".expect[{data__expect_x}].to".format(**locals()) + " must be bigger than or equal to 0", value=data__expect_item__to, name="" + (name_prefix or "data") + ".expect[{data__expect_x}].to".format(**locals()) + "", definition={'type': 'integer', 'minimum': 0}, rule='minimum')
                                    data__expect_item__to_one_of_count3 += 1
                                except (JsonSchemaValueException, JsonSchemaValuesException): pass
                            if data__expect_item__to_one_of_count3 < 2:
                                try:
                                    if not isinstance(data__expect_item__to, (str)):
                                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".expect[{data__expect_x}].to".format(**locals()) + " must be string", value=data__expect_item__to, name="" + (name_prefix or "data") + ".expect[{data__expect_x}].to".format(**locals()) + "", definition={'type': 'string', 'format': 'date-time'}, rule='type')
                                    if isinstance(data__expect_item__to, str):
                                        if not custom_formats["date-time"](data__expect_item__to):
                                            raise JsonSchemaValueException("" + (name_prefix or "data") + ".expect[{data__expect_x}].to".format(**locals()) + " must be date-time", value=data__expect_item__to, name="" + (name_prefix or "data") + ".expect[{data__expect_x}].to".format(**locals()) + "", definition={'type': 'string', 'format': 'date-time'}, rule='format')
                                    data__expect_item__to_one_of_count3 += 1
                                except (JsonSchemaValueException, JsonSchemaValuesException): pass
                            if data__expect_item__to_one_of_count3 != 1:
                                raise JsonSchemaValueException("" + (name_prefix or "data") + ".expect[{data__expect_x}].to".format(**locals()) + " must be valid exactly by one definition" + (" (" + str(data__expect_item__to_one_of_count3) + " matches found)"), value=data__expect_item__to, name="" + (name_prefix or "data") + ".expect[{data__expect_x}].to".format(**locals()) + "", definition={'oneOf': [{'type': 'integer', 'minimum': 0}, {'type': 'string', 'format': 'date-time'}], 'description': 'Last snapshot index, or a time; inclusive.'}, rule='oneOf')
                        if "recording" in data__expect_item_keys:
                            data__expect_item_keys.remove("recording")
                            data__expect_item__recording = data__expect_item["recording"]
                            if not isinstance(data__expect_item__recording, (str)):
                                raise JsonSchemaValueException("" + (name_prefix or "data") + ".expect[{data__expect_x}].recording".format(**locals()) + " must be string", value=data__expect_item__recording, name="" + (name_prefix or "data") + ".expect[{data__expect_x}].recording".format(**locals()) + "", definition={'type': 'string', 'description': 'Only recordings whose path contains this text.'}, rule='type')
                        if data__expect_item_keys:
                            raise JsonSchemaValueException("" + (name_prefix or "data") + ".expect[{data__expect_x}]".format(**locals()) + " must not contain "+str(data__expect_item_keys)+" properties", value=data__expect_item, name="" + (name_prefix or "data") + ".expect[{data__expect_x}]".format(**locals()) + "", definition={'type': 'object', 'additionalProperties': False, 'required': ['verdict'], 'oneOf': [{'required': ['at']}, {'required': ['from', 'to']}], 'properties': {'verdict': {'enum': ['continue', 'pause', 'rollback']}, 'at': {'type': 'integer', 'minimum': 0, 'description': 'One snapshot index (0-based, in collected_at order).'}, 'from': {'oneOf': [{'type': 'integer', 'minimum': 0}, {'type': 'string', 'format': 'date-time'}], 'description': 'First snapshot index, or a time (RFC 3339).'}, 'to': {'oneOf': [{'type': 'integer', 'minimum': 0}, {'type': 'string', 'format': 'date-time'}], 'description': 'Last snapshot index, or a time; inclusive.'}, 'recording': {'type': 'string', 'description': 'Only recordings whose path contains this text.'}}}, rule='additionalProperties')
        if data_keys:
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must not contain "+str(data_keys)+" properties", value=data, name="" + (name_prefix or "data") + "", definition={'$schema': 'https://json-schema.org/draft/2019-09/schema', '$id': 'https://phasegate.dev/schemas/expectation.schema.json', 'title': 'phasegate replay expectations v1', 'description': 'Expected verdicts of replayed snapshots (`phasegate replay --expect`), so recorded incidents become regression tests for the policies.', 'type': 'object', 'additionalProperties': False, 'required': ['apiVersion', 'kind', 'expect'], 'properties': {'apiVersion': {'const': 'phasegate/v1'}, 'kind': {'const': 'ReplayExpectation'}, 'expect': {'type': 'array', 'minItems': 1, 'items': {'type': 'object', 'additionalProperties': False, 'required': ['verdict'], 'oneOf': [{'required': ['at']}, {'required': ['from', 'to']}], 'properties': {'verdict': {'enum': ['continue', 'pause', 'rollback']}, 'at': {'type': 'integer', 'minimum': 0, 'description': 'One snapshot index (0-based, in collected_at order).'}, 'from': {'oneOf': [{'type': 'integer', 'minimum': 0}, {'type': 'string', 'format': 'date-time'}], 'description': 'First snapshot index, or a time (RFC 3339).'}, 'to': {'oneOf': [{'type': 'integer', 'minimum': 0}, {'type': 'string', 'format': 'date-time'}], 'description': 'Last snapshot index, or a time; inclusive.'}, 'recording': {'type': 'string', 'description': 'Only recordings whose path contains this text.'}}}}}}, rule='additionalProperties')
    return data

validate = validate_https___phasegate_dev_schemas_expectation_schema_json
