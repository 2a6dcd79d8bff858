"""Generated from schemas/policy.schema.json by phasegate.files.validators.generate."""
VERSION = "2.22.3"
from decimal import Decimal
import re
from phasegate.files.validators import JsonSchemaValueException, JsonSchemaValuesException


REGEX_PATTERNS = {
    '^[A-Za-z_][A-Za-z0-9_]*$(?!\\n)': re.compile('^[A-Za-z_][A-Za-z0-9_]*\\Z(?!\\n)'),
    '^[a-z0-9]+(?:[.-][a-z0-9]+)*$(?!\\n)': re.compile('^[a-z0-9]+(?:[.-][a-z0-9]+)*\\Z(?!\\n)')
}

NoneType = type(None)

def validate_https___phasegate_dev_schemas_policy_schema_json(data, custom_formats={}, name_prefix=None):
    if not isinstance(data, (dict)):
        raise JsonSchemaValueException("" + (name_prefix or "data") + " must be object", value=data, name="" + (name_prefix or "data") + "", definition={'$schema': 'https://json-schema.org/draft/2019-09/schema', '$id': 'https://phasegate.dev/schemas/policy.schema.json', 'title': 'phasegate policy file v1', 'description': 'A group of CEL rules that decide continue, pause or rollback for rollout phases.', 'type': 'object', 'additionalProperties': False, 'required': ['apiVersion', 'kind', 'name', 'rules'], 'properties': {'apiVersion': {'const': 'phasegate/v1'}, 'kind': {'const': 'Policy'}, 'name': {'type': 'string', 'pattern': '^[a-z0-9]+(?:[.-][a-z0-9]+)*$(?!\\n)'}, 'description': {'type': 'string'}, 'phases': {'type': 'array', 'minItems': 1, 'uniqueItems': True, 'items': {'enum': [0, 1, 2]}}, 'params': {'type': 'object', 'description': "Named thresholds, visible to this file's rules as `params`. Numbers reach CEL as doubles.", 'propertyNames': {'pattern': '^[A-Za-z_][A-Za-z0-9_]*$(?!\\n)'}}, 'rules': {'type': 'array', 'minItems': 1, 'items': {'type': 'object', 'additionalProperties': False, 'required': ['id', 'when', 'verdict'], 'properties': {'id': {'$ref': 'https://phasegate.dev/schemas/policy.schema.json#/$defs/identifier', 'description': 'Unique across the whole policy set, e.g. trigger.lock-contention-spike.'}, 'title': {'type': 'string'}, 'description': {'type': 'string'}, 'phases': {'$ref': 'https://phasegate.dev/schemas/policy.schema.json#/$defs/phases', 'description': "Narrows the policy's phases."}, 'when': {'type': 'string', 'minLength': 1, 'description': 'CEL expression over facts, params, phase and now; the rule fires when it is true.'}, 'for': {'type': 'integer', 'minimum': 1, 'maximum': 1000, 'description': 'Fire only when the condition held in this many consecutive snapshots of the rollout; before that the rule is pending, which counts as pause.'}, 'verdict': {'$ref': 'https://phasegate.dev/schemas/policy.schema.json#/$defs/verdict', 'description': 'The verdict when the rule fires.'}, 'on_error': {'enum': ['pause', 'rollback'], 'default': 'pause', 'description': 'The verdict when `when` cannot be evaluated (missing fact, wrong type); never continue.'}, 'message': {'type': 'string', 'description': 'Shown when the rule fires; {{ CEL }} placeholders are filled in.'}}}}}, '$defs': {'identifier': {'type': 'string', 'pattern': '^[a-z0-9]+(?:[.-][a-z0-9]+)*$(?!\\n)'}, 'verdict': {'enum': ['continue', 'pause', 'rollback']}, 'phases': {'type': 'array', 'minItems': 1, 'uniqueItems': True, 'items': {'enum': [0, 1, 2]}}, 'rule': {'type': 'object', 'additionalProperties': False, 'required': ['id', 'when', 'verdict'], 'properties': {'id': {'type': 'string', 'pattern': '^[a-z0-9]+(?:[.-][a-z0-9]+)*$(?!\\n)'}, 'title': {'type': 'string'}, 'description': {'type': 'string'}, 'phases': {'type': 'array', 'minItems': 1, 'uniqueItems': True, 'items': {'enum': [0, 1, 2]}}, 'when': {'type': 'string', 'minLength': 1, 'description': 'CEL expression over facts, params, phase and now; the rule fires when it is true.'}, 'for': {'type': 'integer', 'minimum': 1, 'maximum': 1000, 'description': 'Fire only when the condition held in this many consecutive snapshots of the rollout; before that the rule is pending, which counts as pause.'}, 'verdict': {'enum': ['continue', 'pause', 'rollback']}, 'on_error': {'enum': ['pause', 'rollback'], 'default': 'pause', 'description': 'The verdict when `when` cannot be evaluated (missing fact, wrong type); never continue.'}, 'message': {'type': 'string', 'description': 'Shown when the rule fires; {{ CEL }} placeholders are filled in.'}}}}}, rule='type')
    data_is_dict = isinstance(data, dict)
    if data_is_dict:
        data__missing_keys = set(['apiVersion', 'kind', 'name', 'rules']) - data.keys()
        if data__missing_keys:
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must contain " + (str(sorted(data__missing_keys)) + " properties"), value=data, name="" + (name_prefix or "data") + "", definition={'$schema': 'https://json-schema.org/draft/2019-09/schema', '$id': 'https://phasegate.dev/schemas/policy.schema.json', 'title': 'phasegate policy file v1', 'description': 'A group of CEL rules that decide continue, pause or rollback for rollout phases.', 'type': 'object', 'additionalProperties': False, 'required': ['apiVersion', 'kind', 'name', 'rules'], 'properties': {'apiVersion': {'const': 'phasegate/v1'}, 'kind': {'const': 'Policy'}, 'name': {'type': 'string', 'pattern': '^[a-z0-9]+(?:[.-][a-z0-9]+)*$(?!\\n)'}, 'description': {'type': 'string'}, 'phases': {'type': 'array', 'minItems': 1, 'uniqueItems': True, 'items': {'enum': [0, 1, 2]}}, 'params': {'type': 'object', 'description': "Named thresholds, visible to this file's rules as `params`. Numbers reach CEL as doubles.", 'propertyNames': {'pattern': '^[A-Za-z_][A-Za-z0-9_]*$(?!\\n)'}}, 'rules': {'type': 'array', 'minItems': 1, 'items': {'type': 'object', 'additionalProperties': False, 'required': ['id', 'when', 'verdict'], 'properties': {'id': {'$ref': 'https://phasegate.dev/schemas/policy.schema.json#/$defs/identifier', 'description': 'Unique across the whole policy set, e.g. trigger.lock-contention-spike.'}, 'title': {'type': 'string'}, 'description': {'type': 'string'}, 'phases': {'$ref': 'https://phasegate.dev/schemas/policy.schema.json#/$defs/phases', 'description': "Narrows the policy's phases."}, 'when': {'type': 'string', 'minLength': 1, 'description': 'CEL expression over facts, params, phase and now; the rule fires when it is true.'}, 'for': {'type': 'integer', 'minimum': 1, 'maximum': 1000, 'description': 'Fire only when the condition held in this many consecutive snapshots of the rollout; before that the rule is pending, which counts as pause.'}, 'verdict': {'$ref': 'https://phasegate.dev/schemas/policy.schema.json#/$defs/verdict', 'description': 'The verdict when the rule fires.'}, 'on_error': {'enum': ['pause', 'rollback'], 'default': 'pause', 'description': 'The verdict when `when` cannot be evaluated (missing fact, wrong type); never continue.'}, 'message': {'type': 'string', 'description': 'Shown when the rule fires; {{ CEL }} placeholders are filled in.'}}}}}, '$defs': {'identifier': {'type': 'string', 'pattern': '^[a-z0-9]+(?:[.-][a-z0-9]+)*$(?!\\n)'}, 'verdict': {'enum': ['continue', 'pause', 'rollback']}, 'phases': {'type': 'array', 'minItems': 1, 'uniqueItems': True, 'items': {'enum': [0, 1, 2]}}, 'rule': {'type': 'object', 'additionalProperties': False, 'required': ['id', 'when', 'verdict'], 'properties': {'id': {'type': 'string', 'pattern': '^[a-z0-9]+(?:[.-][a-z0-9]+)*$(?!\\n)'}, 'title': {'type': 'string'}, 'description': {'type': 'string'}, 'phases': {'type': 'array', 'minItems': 1, 'uniqueItems': True, 'items': {'enum': [0, 1, 2]}}, 'when': {'type': 'string', 'minLength': 1, 'description': 'CEL expression over facts, params, phase and now; the rule fires when it is true.'}, 'for': {'type': 'integer', 'minimum': 1, 'maximum': 1000, 'description': 'Fire only when the condition held in this many consecutive snapshots of the rollout; before that the rule is pending, which counts as pause.'}, 'verdict': {'enum': ['continue', 'pause', 'rollback']}, 'on_error': {'enum': ['pause', 'rollback'], 'default': 'pause', 'description': 'The verdict when `when` cannot be evaluated (missing fact, wrong type); never continue.'}, 'message': {'type': 'string', 'description': 'Shown when the rule fires; {{ CEL }} placeholders are filled in.'}}}}}, rule='required')
        data_keys = set(data.keys())
        if "apiVersion" in data_keys:
            data_keys.remove("apiVersion")
            data__apiVersion = data["apiVersion"]
            if not (isinstance(data__apiVersion, str) and data__apiVersion == 'phasegate/v1'):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".apiVersion must be same as const definition: phasegate/v1", value=data__apiVersion, name="" + (name_prefix or "data") + ".apiVersion", definition={'const': 'phasegate/v1'}, rule='const')
        if "kind" in data_keys:
            data_keys.remove("kind")
            data__kind = data["kind"]
            if not (isinstance(data__kind, str) and data__kind == 'Policy'):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".kind must be same as const definition: Policy", value=data__kind, name="" + (name_prefix or "data") + ".kind", definition={'const': 'Policy'}, rule='const')
        if "name" in data_keys:
            data_keys.remove("name")
            data__name = data["name"]
            validate_https___phasegate_dev_schemas_policy_schema_json___defs_identifier(data__name, custom_formats, (name_prefix or "data") + ".name")
        if "description" in data_keys:
            data_keys.remove("description")
            data__description = data["description"]
            if not isinstance(data__description, (str)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".description must be string", value=data__description, name="" + (name_prefix or "data") + ".description", definition={'type': 'string'}, rule='type')
        if "phases" in data_keys:
            data_keys.remove("phases")
            data__phases = data["phases"]
            validate_https___phasegate_dev_schemas_policy_schema_json___defs_phases(data__phases, custom_formats, (name_prefix or "data") + ".phases")
        if "params" in data_keys:
            data_keys.remove("params")
            data__params = data["params"]
            if not isinstance(data__params, (dict)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".params must be object", value=data__params, name="" + (name_prefix or "data") + ".params", definition={'type': 'object', 'description': "Named thresholds, visible to this file's rules as `params`. Numbers reach CEL as doubles.", 'propertyNames': {'pattern': '^[A-Za-z_][A-Za-z0-9_]*$(?!\\n)'}}, rule='type')
            data__params_is_dict = isinstance(data__params, dict)
            if data__params_is_dict:
                data__params_len = len(data__params)
                if data__params_len != 0:
                    data__params_property_names = True
                    for data__params_key in data__params:
                        try:
                            if isinstance(data__params_key, str):
                                if not REGEX_PATTERNS['^[A-Za-z_][A-Za-z0-9_]*$(?!\\n)'].search(data__params_key):
                                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".params must match pattern ^[A-Za-z_][A-Za-z0-9_]*$(?!\\n)", value=data__params_key, name="" + (name_prefix or "data") + ".params", definition={'pattern': '^[A-Za-z_][A-Za-z0-9_]*$(?!\\n)'}, rule='pattern')
                        except (JsonSchemaValueException, JsonSchemaValuesException):
                            data__params_property_names = False
                    if not data__params_property_names:
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".params must be named by propertyName definition", value=data__params, name="" + (name_prefix or "data") + ".params", definition={'type': 'object', 'description': "Named thresholds, visible to this file's rules as `params`. Numbers reach CEL as doubles.", 'propertyNames': {'pattern': '^[A-Za-z_][A-Za-z0-9_]*$(?!\\n)'}}, rule='propertyNames')
        if "rules" in data_keys:
            data_keys.remove("rules")
            data__rules = data["rules"]
            if not isinstance(data__rules, (list, tuple)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".rules must be array", value=data__rules, name="" + (name_prefix or "data") + ".rules", definition={'type': 'array', 'minItems': 1, 'items': {'type': 'object', 'additionalProperties': False, 'required': ['id', 'when', 'verdict'], 'properties': {'id': {'$ref': 'https://phasegate.dev/schemas/policy.schema.json#/$defs/identifier', 'description': 'Unique across the whole policy set, e.g. trigger.lock-contention-spike.'}, 'title': {'type': 'string'}, 'description': {'type': 'string'}, 'phases': {'$ref': 'https://phasegate.dev/schemas/policy.schema.json#/$defs/phases', 'description': "Narrows the policy's phases."}, 'when': {'type': 'string', 'minLength': 1, 'description': 'CEL expression over facts, params, phase and now; the rule fires when it is true.'}, 'for': {'type': 'integer', 'minimum': 1, 'maximum': 1000, 'description': 'Fire only when the condition held in this many consecutive snapshots of the rollout; before that the rule is pending, which counts as pause.'}, 'verdict': {'$ref': 'https://phasegate.dev/schemas/policy.schema.json#/$defs/verdict', 'description': 'The verdict when the rule fires.'}, 'on_error': {'enum': ['pause', 'rollback'], 'default': 'pause', 'description': 'The verdict when `when` cannot be evaluated (missing fact, wrong type); never continue.'}, 'message': {'type': 'string', 'description': 'Shown when the rule fires; {{ CEL }} placeholders are filled in.'}}}}, rule='type')
            data__rules_is_list = isinstance(data__rules, (list, tuple))
            if data__rules_is_list:
                data__rules_len = len(data__rules)
                if data__rules_len < 1:
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".rules must contain at least 1 items", value=data__rules, name="" + (name_prefix or "data") + ".rules", definition={'type': 'array', 'minItems': 1, 'items': {'type': 'object', 'additionalProperties': False, 'required': ['id', 'when', 'verdict'], 'properties': {'id': {'$ref': 'https://phasegate.dev/schemas/policy.schema.json#/$defs/identifier', 'description': 'Unique across the whole policy set, e.g. trigger.lock-contention-spike.'}, 'title': {'type': 'string'}, 'description': {'type': 'string'}, 'phases': {'$ref': 'https://phasegate.dev/schemas/policy.schema.json#/$defs/phases', 'description': "Narrows the policy's phases."}, 'when': {'type': 'string', 'minLength': 1, 'description': 'CEL expression over facts, params, phase and now; the rule fires when it is true.'}, 'for': {'type': 'integer', 'minimum': 1, 'maximum': 1000, 'description': 'Fire only when the condition held in this many consecutive snapshots of the rollout; before that the rule is pending, which counts as pause.'}, 'verdict': {'$ref': 'https://phasegate.dev/schemas/policy.schema.json#/$defs/verdict', 'description': 'The verdict when the rule fires.'}, 'on_error': {'enum': ['pause', 'rollback'], 'default': 'pause', 'description': 'The verdict when `when` cannot be evaluated (missing fact, wrong type); never continue.'}, 'message': {'type': 'string', 'description': 'Shown when the rule fires; {{ CEL }} placeholders are filled in.'}}}}, rule='minItems')
                for data__rules_x, data__rules_item in enumerate(data__rules):
                    validate_https___phasegate_dev_schemas_policy_schema_json___defs_rule(data__rules_item, custom_formats, (name_prefix or "data") + ".rules[{data__rules_x}]".format(**locals()))
        if data_keys:
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must not contain "+str(data_keys)+" properties", value=data, name="" + (name_prefix or "data") + "", definition={'$schema': 'https://json-schema.org/draft/2019-09/schema', '$id': 'https://phasegate.dev/schemas/policy.schema.json', 'title': 'phasegate policy file v1', 'description': 'A group of CEL rules that decide continue, pause or rollback for rollout phases.', 'type': 'object', 'additionalProperties': False, 'required': ['apiVersion', 'kind', 'name', 'rules'], 'properties': {'apiVersion': {'const': 'phasegate/v1'}, 'kind': {'const': 'Policy'}, 'name': {'type': 'string', 'pattern': '^[a-z0-9]+(?:[.-][a-z0-9]+)*$(?!\\n)'}, 'description': {'type': 'string'}, 'phases': {'type': 'array', 'minItems': 1, 'uniqueItems': True, 'items': {'enum': [0, 1, 2]}}, 'params': {'type': 'object', 'description': "Named thresholds, visible to this file's rules as `params`. Numbers reach CEL as doubles.", 'propertyNames': {'pattern': '^[A-Za-z_][A-Za-z0-9_]*$(?!\\n)'}}, 'rules': {'type': 'array', 'minItems': 1, 'items': {'type': 'object', 'additionalProperties': False, 'required': ['id', 'when', 'verdict'], 'properties': {'id': {'$ref': 'https://phasegate.dev/schemas/policy.schema.json#/$defs/identifier', 'description': 'Unique across the whole policy set, e.g. trigger.lock-contention-spike.'}, 'title': {'type': 'string'}, 'description': {'type': 'string'}, 'phases': {'$ref': 'https://phasegate.dev/schemas/policy.schema.json#/$defs/phases', 'description': "Narrows the policy's phases."}, 'when': {'type': 'string', 'minLength': 1, 'description': 'CEL expression over facts, params, phase and now; the rule fires when it is true.'}, 'for': {'type': 'integer', 'minimum': 1, 'maximum': 1000, 'description': 'Fire only when the condition held in this many consecutive snapshots of the rollout; before that the rule is pending, which counts as pause.'}, 'verdict': {'$ref': 'https://phasegate.dev/schemas/policy.schema.json#/$defs/verdict', 'description': 'The verdict when the rule fires.'}, 'on_error': {'enum': ['pause', 'rollback'], 'default': 'pause', 'description': 'The verdict when `when` cannot be evaluated (missing fact, wrong type); never continue.'}, 'message': {'type': 'string', 'description': 'Shown when the rule fires; {{ CEL }} placeholders are filled in.'}}}}}, '$defs': {'identifier': {'type': 'string', 'pattern': '^[a-z0-9]+(?:[.-][a-z0-9]+)*$(?!\\n)'}, 'verdict': {'enum': ['continue', 'pause', 'rollback']}, 'phases': {'type': 'array', 'minItems': 1, 'uniqueItems': True, 'items': {'enum': [0, 1, 2]}}, 'rule': {'type': 'object', 'additionalProperties': False, 'required': ['id', 'when', 'verdict'], 'properties': {'id': {'type': 'string', 'pattern': '^[a-z0-9]+(?:[.-][a-z0-9]+)*$(?!\\n)'}, 'title': {'type': 'string'}, 'description': {'type': 'string'}, 'phases': {'type': 'array', 'minItems': 1, 'uniqueItems': True, 'items': {'enum': [0, 1, 2]}}, 'when': {'type': 'string', 'minLength': 1, 'description': 'CEL expression over facts, params, phase and now; the rule fires when it is true.'}, 'for': {'type': 'integer', 'minimum': 1, 'maximum': 1000, 'description': 'Fire only when the condition held in this many consecutive snapshots of the rollout; before that the rule is pending, which counts as pause.'}, 'verdict': {'enum': ['continue', 'pause', 'rollback']}, 'on_error': {'enum': ['pause', 'rollback'], 'default': 'pause', 'description': 'The verdict when `when` cannot be evaluated (missing fact, wrong type); never continue.'}, 'message': {'type': 'string', 'description': 'Shown when the rule fires; {{ CEL }} placeholders are filled in.'}}}}}, rule='additionalProperties')
    return data

def validate_https___phasegate_dev_schemas_policy_schema_json___defs_rule(data, custom_formats={}, name_prefix=None):
    if not isinstance(data, (dict)):
        raise JsonSchemaValueException("" + (name_prefix or "data") + " must be object", value=data, name="" + (name_prefix or "data") + "", definition={'type': 'object', 'additionalProperties': False, 'required': ['id', 'when', 'verdict'], 'properties': {'id': {'type': 'string', 'pattern': '^[a-z0-9]+(?:[.-][a-z0-9]+)*$(?!\\n)'}, 'title': {'type': 'string'}, 'description': {'type': 'string'}, 'phases': {'type': 'array', 'minItems': 1, 'uniqueItems': True, 'items': {'enum': [0, 1, 2]}}, 'when': {'type': 'string', 'minLength': 1, 'description': 'CEL expression over facts, params, phase and now; the rule fires when it is true.'}, 'for': {'type': 'integer', 'minimum': 1, 'maximum': 1000, 'description': 'Fire only when the condition held in this many consecutive snapshots of the rollout; before that the rule is pending, which counts as pause.'}, 'verdict': {'enum': ['continue', 'pause', 'rollback']}, 'on_error': {'enum': ['pause', 'rollback'], 'default': 'pause', 'description': 'The verdict when `when` cannot be evaluated (missing fact, wrong type); never continue.'}, 'message': {'type': 'string', 'description': 'Shown when the rule fires; {{ CEL }} placeholders are filled in.'}}}, rule='type')
    data_is_dict = isinstance(data, dict)
    if data_is_dict:
        data__missing_keys = set(['id', 'when', 'verdict']) - data.keys()
        if data__missing_keys:
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must contain " + (str(sorted(data__missing_keys)) + " properties"), value=data, name="" + (name_prefix or "data") + "", definition={'type': 'object', 'additionalProperties': False, 'required': ['id', 'when', 'verdict'], 'properties': {'id': {'type': 'string', 'pattern': '^[a-z0-9]+(?:[.-][a-z0-9]+)*$(?!\\n)'}, 'title': {'type': 'string'}, 'description': {'type': 'string'}, 'phases': {'type': 'array', 'minItems': 1, 'uniqueItems': True, 'items': {'enum': [0, 1, 2]}}, 'when': {'type': 'string', 'minLength': 1, 'description': 'CEL expression over facts, params, phase and now; the rule fires when it is true.'}, 'for': {'type': 'integer', 'minimum': 1, 'maximum': 1000, 'description': 'Fire only when the condition held in this many consecutive snapshots of the rollout; before that the rule is pending, which counts as pause.'}, 'verdict': {'enum': ['continue', 'pause', 'rollback']}, 'on_error': {'enum': ['pause', 'rollback'], 'default': 'pause', 'description': 'The verdict when `when` cannot be evaluated (missing fact, wrong type); never continue.'}, 'message': {'type': 'string', 'description': 'Shown when the rule fires; {{ CEL }} placeholders are filled in.'}}}, rule='required')
        data_keys = set(data.keys())
        if "id" in data_keys:
            data_keys.remove("id")
            data__id = data["id"]
            validate_https___phasegate_dev_schemas_policy_schema_json___defs_identifier(data__id, custom_formats, (name_prefix or "data") + ".id")
        if "title" in data_keys:
            data_keys.remove("title")
            data__title = data["title"]
            if not isinstance(data__title, (str)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".title must be string", value=data__title, name="" + (name_prefix or "data") + ".title", definition={'type': 'string'}, rule='type')
        if "description" in data_keys:
            data_keys.remove("description")
            data__description = data["description"]
            if not isinstance(data__description, (str)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".description must be string", value=data__description, name="" + (name_prefix or "data") + ".description", definition={'type': 'string'}, rule='type')
        if "phases" in data_keys:
            data_keys.remove("phases")
            data__phases = data["phases"]
            validate_https___phasegate_dev_schemas_policy_schema_json___defs_phases(data__phases, custom_formats, (name_prefix or "data") + ".phases")
        if "when" in data_keys:
            data_keys.remove("when")
            data__when = data["when"]
            if not isinstance(data__when, (str)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".when must be string", value=data__when, name="" + (name_prefix or "data") + ".when", definition={'type': 'string', 'minLength': 1, 'description': 'CEL expression over facts, params, phase and now; the rule fires when it is true.'}, rule='type')
            if isinstance(data__when, str):
                data__when_len = len(data__when)
                if data__when_len < 1:
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".when must be longer than or equal to 1 characters", value=data__when, name="" + (name_prefix or "data") + ".when", definition={'type': 'string', 'minLength': 1, 'description': 'CEL expression over facts, params, phase and now; the rule fires when it is true.'}, rule='minLength')
        if "for" in data_keys:
            data_keys.remove("for")
            data__for = data["for"]
            if not isinstance(data__for, (int)) and not (isinstance(data__for, float) and data__for.is_integer()) or isinstance(data__for, bool):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".for must be integer", value=data__for, name="" + (name_prefix or "data") + ".for", definition={'type': 'integer', 'minimum': 1, 'maximum': 1000, 'description': 'Fire only when the condition held in this many consecutive snapshots of the rollout; before that the rule is pending, which counts as pause.'}, rule='type')
            if isinstance(data__for, (int, float, Decimal)) and not isinstance(data__for, bool):
                if data__for < 1:
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".for must be bigger than or equal to 1", value=data__for, name="" + (name_prefix or "data") + ".for", definition={'type': 'integer', 'minimum': 1, 'maximum': 1000, 'description': 'Fire only when the condition held in this many consecutive snapshots of the rollout; before that the rule is pending, which counts as pause.'}, rule='minimum')
                if data__for > 1000:
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".for must be smaller than or equal to 1000", value=data__for, name="" + (name_prefix or "data") + ".for", definition={'type': 'integer', 'minimum': 1, 'maximum': 1000, 'description': 'Fire only when the condition held in this many consecutive snapshots of the rollout; before that the rule is pending, which counts as pause.'}, rule='maximum')
        if "verdict" in data_keys:
            data_keys.remove("verdict")
            data__verdict = data["verdict"]
            validate_https___phasegate_dev_schemas_policy_schema_json___defs_verdict(data__verdict, custom_formats, (name_prefix or "data") + ".verdict")
        if "on_error" in data_keys:
            data_keys.remove("on_error")
            data__onerror = data["on_error"]
            if not (isinstance(data__onerror, str) and data__onerror == 'pause' or isinstance(data__onerror, str) and data__onerror == 'rollback'):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".on_error must be one of ['pause', 'rollback']", value=data__onerror, name="" + (name_prefix or "data") + ".on_error", definition={'enum': ['pause', 'rollback'], 'default': 'pause', 'description': 'The verdict when `when` cannot be evaluated (missing fact, wrong type); never continue.'}, rule='enum')
        if "message" in data_keys:
            data_keys.remove("message")
            data__message = data["message"]
            if not isinstance(data__message, (str)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".message must be string", value=data__message, name="" + (name_prefix or "data") + ".message", definition={'type': 'string', 'description': 'Shown when the rule fires; {{ CEL }} placeholders are filled in.'}, rule='type')
        if data_keys:
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must not contain "+str(data_keys)+" properties", value=data, name="" + (name_prefix or "data") + "", definition={'type': 'object', 'additionalProperties': False, 'required': ['id', 'when', 'verdict'], 'properties': {'id': {'type': 'string', 'pattern': '^[a-z0-9]+(?:[.-][a-z0-9]+)*$(?!\\n)'}, 'title': {'type': 'string'}, 'description': {'type': 'string'}, 'phases': {'type': 'array', 'minItems': 1, 'uniqueItems': True, 'items': {'enum': [0, 1, 2]}}, 'when': {'type': 'string', 'minLength': 1, 'description': 'CEL expression over facts, params, phase and now; the rule fires when it is true.'}, 'for': {'type': 'integer', 'minimum': 1, 'maximum': 1000, 'description': 'Fire only when the condition held in this many consecutive snapshots of the rollout; before that the rule is pending, which counts as pause.'}, 'verdict': {'enum': ['continue', 'pause', 'rollback']}, 'on_error': {'enum': ['pause', 'rollback'], 'default': 'pause', 'description': 'The verdict when `when` cannot be evaluated (missing fact, wrong type); never continue.'}, 'message': {'type': 'string', 'description': 'Shown when the rule fires; {{ CEL }} placeholders are filled in.'}}}, rule='additionalProperties')
    return data

def validate_https___phasegate_dev_schemas_policy_schema_json___defs_verdict(data, custom_formats={}, name_prefix=None):
    if not (isinstance(data, str) and data == 'continue' or isinstance(data, str) and data == 'pause' or isinstance(data, str) and data == 'rollback'):
        raise JsonSchemaValueException("" + (name_prefix or "data") + " must be one of ['continue', 'pause', 'rollback']", value=data, name="" + (name_prefix or "data") + "", definition={'enum': ['continue', 'pause', 'rollback']}, rule='enum')
    return data

def validate_https___phasegate_dev_schemas_policy_schema_json___defs_phases(data, custom_formats={}, name_prefix=None):
    if not isinstance(data, (list, tuple)):
        raise JsonSchemaValueException("" + (name_prefix or "data") + " must be array", value=data, name="" + (name_prefix or "data") + "", definition={'type': 'array', 'minItems': 1, 'uniqueItems': True, 'items': {'enum': [0, 1, 2]}}, rule='type')
    data_is_list = isinstance(data, (list, tuple))
    if data_is_list:
        data_len = len(data)
        if data_len < 1:
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must contain at least 1 items", value=data, name="" + (name_prefix or "data") + "", definition={'type': 'array', 'minItems': 1, 'uniqueItems': True, 'items': {'enum': [0, 1, 2]}}, rule='minItems')
        def fn(var): return frozenset(dict((k, fn(v)) for k, v in var.items()).items()) if hasattr(var, "items") else tuple(fn(v) for v in var) if isinstance(var, (dict, list)) else (bool, var) if isinstance(var, bool) else var
        if data_len > len(set(fn(data_x) for data_x in data)):
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must contain unique items", value=data, name="" + (name_prefix or "data") + "", definition={'type': 'array', 'minItems': 1, 'uniqueItems': True, 'items': {'enum': [0, 1, 2]}}, rule='uniqueItems')
        for data_x, data_item in enumerate(data):
            if not (isinstance(data_item, (int, float)) and not isinstance(data_item, bool) and data_item == 0 or isinstance(data_item, (int, float)) and not isinstance(data_item, bool) and data_item == 1 or isinstance(data_item, (int, float)) and not isinstance(data_item, bool) and data_item == 2):
                raise JsonSchemaValueException("" + (name_prefix or "data") + "[{data_x}]".format(**locals()) + " must be one of [0, 1, 2]", value=data_item, name="" + (name_prefix or "data") + "[{data_x}]".format(**locals()) + "", definition={'enum': [0, 1, 2]}, rule='enum')
    return data

def validate_https___phasegate_dev_schemas_policy_schema_json___defs_identifier(data, custom_formats={}, name_prefix=None):
    if not isinstance(data, (str)):
        raise JsonSchemaValueException("" + (name_prefix or "data") + " must be string", value=data, name="" + (name_prefix or "data") + "", definition={'type': 'string', 'pattern': '^[a-z0-9]+(?:[.-][a-z0-9]+)*$(?!\\n)'}, rule='type')
    if isinstance(data, str):
        if not REGEX_PATTERNS['^[a-z0-9]+(?:[.-][a-z0-9]+)*$(?!\\n)'].search(data):
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must match pattern ^[a-z0-9]+(?:[.-][a-z0-9]+)*$(?!\\n)", value=data, name="" + (name_prefix or "data") + "", definition={'type': 'string', 'pattern': '^[a-z0-9]+(?:[.-][a-z0-9]+)*$(?!\\n)'}, rule='pattern')
    return data

validate = validate_https___phasegate_dev_schemas_policy_schema_json
