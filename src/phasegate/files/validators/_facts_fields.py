"""Generated from schemas/facts.schema.json (each field) by phasegate.files.validators.generate."""

VERSION = "2.22.3"
from phasegate.files.validators import Decimal
import re
from phasegate.files.validators import JsonSchemaValueException, JsonSchemaValuesException
NoneType = type(None)

def validate_https___phasegate_dev_facts_apiversion(data, custom_formats={}, name_prefix=None):
    if not (isinstance(data, str) and data == 'phasegate/v1'):
        raise JsonSchemaValueException("" + (name_prefix or "data") + " must be same as const definition: phasegate/v1", value=data, name="" + (name_prefix or "data") + "", definition={'const': 'phasegate/v1', 'description': 'Document format version.', '$id': 'https://phasegate.dev/facts/apiVersion'}, rule='const')
    return data
def validate_https___phasegate_dev_facts_kind(data, custom_formats={}, name_prefix=None):
    if not (isinstance(data, str) and data == 'Facts'):
        raise JsonSchemaValueException("" + (name_prefix or "data") + " must be same as const definition: Facts", value=data, name="" + (name_prefix or "data") + "", definition={'const': 'Facts', 'description': 'Document kind.', '$id': 'https://phasegate.dev/facts/kind'}, rule='const')
    return data
def validate_https___phasegate_dev_facts_phase(data, custom_formats={}, name_prefix=None):
    if not isinstance(data, (int)) and not (isinstance(data, float) and data.is_integer()) or isinstance(data, bool):
        raise JsonSchemaValueException("" + (name_prefix or "data") + " must be integer", value=data, name="" + (name_prefix or "data") + "", definition={'type': 'integer', 'enum': [0, 1, 2], 'description': 'Rollout phase the facts were collected in: 0 dry run in CI, 1 limited operator rollout, 2 broad rollout.', '$id': 'https://phasegate.dev/facts/phase'}, rule='type')
    if not (isinstance(data, (int, float)) and not isinstance(data, bool) and data == 0 or isinstance(data, (int, float)) and not isinstance(data, bool) and data == 1 or isinstance(data, (int, float)) and not isinstance(data, bool) and data == 2):
        raise JsonSchemaValueException("" + (name_prefix or "data") + " must be one of [0, 1, 2]", value=data, name="" + (name_prefix or "data") + "", definition={'type': 'integer', 'enum': [0, 1, 2], 'description': 'Rollout phase the facts were collected in: 0 dry run in CI, 1 limited operator rollout, 2 broad rollout.', '$id': 'https://phasegate.dev/facts/phase'}, rule='enum')
    return data
def validate_https___phasegate_dev_facts_collected_at(data, custom_formats={}, name_prefix=None):
    if not isinstance(data, (str)):
        raise JsonSchemaValueException("" + (name_prefix or "data") + " must be string", value=data, name="" + (name_prefix or "data") + "", definition={'type': 'string', 'format': 'date-time', 'description': 'When the facts were collected (RFC 3339). Policies see it as `now`: the wall clock is never read.', '$id': 'https://phasegate.dev/facts/collected_at'}, rule='type')
    if isinstance(data, str):
        if not custom_formats["date-time"](data):
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must be date-time", value=data, name="" + (name_prefix or "data") + "", definition={'type': 'string', 'format': 'date-time', 'description': 'When the facts were collected (RFC 3339). Policies see it as `now`: the wall clock is never read.', '$id': 'https://phasegate.dev/facts/collected_at'}, rule='format')
    return data
def validate_https___phasegate_dev_facts_phase_started_at(data, custom_formats={}, name_prefix=None):
    if not isinstance(data, (str)):
        raise JsonSchemaValueException("" + (name_prefix or "data") + " must be string", value=data, name="" + (name_prefix or "data") + "", definition={'type': 'string', 'format': 'date-time', 'description': 'When the current phase started (RFC 3339); windows are measured from here.', '$id': 'https://phasegate.dev/facts/phase_started_at'}, rule='type')
    if isinstance(data, str):
        if not custom_formats["date-time"](data):
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must be date-time", value=data, name="" + (name_prefix or "data") + "", definition={'type': 'string', 'format': 'date-time', 'description': 'When the current phase started (RFC 3339); windows are measured from here.', '$id': 'https://phasegate.dev/facts/phase_started_at'}, rule='format')
    return data
def validate_https___phasegate_dev_facts_change(data, custom_formats={}, name_prefix=None):
    if not isinstance(data, (dict)):
        raise JsonSchemaValueException("" + (name_prefix or "data") + " must be object", value=data, name="" + (name_prefix or "data") + "", definition={'type': 'object', 'additionalProperties': False, 'required': ['commit'], 'description': 'The release being rolled out.', 'properties': {'commit': {'type': 'string', 'minLength': 1, 'description': 'Release candidate commit id.'}, 'tag': {'type': 'string', 'minLength': 1, 'description': 'Release tag, e.g. v0.4.3.'}, 'last_known_good': {'type': 'string', 'minLength': 1, 'description': 'Tag or commit to roll back to.'}}, '$id': 'https://phasegate.dev/facts/change'}, rule='type')
    data_is_dict = isinstance(data, dict)
    if data_is_dict:
        data__missing_keys = set(['commit']) - data.keys()
        if data__missing_keys:
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must contain " + (str(sorted(data__missing_keys)) + " properties"), value=data, name="" + (name_prefix or "data") + "", definition={'type': 'object', 'additionalProperties': False, 'required': ['commit'], 'description': 'The release being rolled out.', 'properties': {'commit': {'type': 'string', 'minLength': 1, 'description': 'Release candidate commit id.'}, 'tag': {'type': 'string', 'minLength': 1, 'description': 'Release tag, e.g. v0.4.3.'}, 'last_known_good': {'type': 'string', 'minLength': 1, 'description': 'Tag or commit to roll back to.'}}, '$id': 'https://phasegate.dev/facts/change'}, rule='required')
        data_keys = set(data.keys())
        if "commit" in data_keys:
            data_keys.remove("commit")
            data__commit = data["commit"]
            if not isinstance(data__commit, (str)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".commit must be string", value=data__commit, name="" + (name_prefix or "data") + ".commit", definition={'type': 'string', 'minLength': 1, 'description': 'Release candidate commit id.'}, rule='type')
            if isinstance(data__commit, str):
                data__commit_len = len(data__commit)
                if data__commit_len < 1:
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".commit must be longer than or equal to 1 characters", value=data__commit, name="" + (name_prefix or "data") + ".commit", definition={'type': 'string', 'minLength': 1, 'description': 'Release candidate commit id.'}, rule='minLength')
        if "tag" in data_keys:
            data_keys.remove("tag")
            data__tag = data["tag"]
            if not isinstance(data__tag, (str)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".tag must be string", value=data__tag, name="" + (name_prefix or "data") + ".tag", definition={'type': 'string', 'minLength': 1, 'description': 'Release tag, e.g. v0.4.3.'}, rule='type')
            if isinstance(data__tag, str):
                data__tag_len = len(data__tag)
                if data__tag_len < 1:
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".tag must be longer than or equal to 1 characters", value=data__tag, name="" + (name_prefix or "data") + ".tag", definition={'type': 'string', 'minLength': 1, 'description': 'Release tag, e.g. v0.4.3.'}, rule='minLength')
        if "last_known_good" in data_keys:
            data_keys.remove("last_known_good")
            data__lastknowngood = data["last_known_good"]
            if not isinstance(data__lastknowngood, (str)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".last_known_good must be string", value=data__lastknowngood, name="" + (name_prefix or "data") + ".last_known_good", definition={'type': 'string', 'minLength': 1, 'description': 'Tag or commit to roll back to.'}, rule='type')
            if isinstance(data__lastknowngood, str):
                data__lastknowngood_len = len(data__lastknowngood)
                if data__lastknowngood_len < 1:
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".last_known_good must be longer than or equal to 1 characters", value=data__lastknowngood, name="" + (name_prefix or "data") + ".last_known_good", definition={'type': 'string', 'minLength': 1, 'description': 'Tag or commit to roll back to.'}, rule='minLength')
        if data_keys:
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must not contain "+str(data_keys)+" properties", value=data, name="" + (name_prefix or "data") + "", definition={'type': 'object', 'additionalProperties': False, 'required': ['commit'], 'description': 'The release being rolled out.', 'properties': {'commit': {'type': 'string', 'minLength': 1, 'description': 'Release candidate commit id.'}, 'tag': {'type': 'string', 'minLength': 1, 'description': 'Release tag, e.g. v0.4.3.'}, 'last_known_good': {'type': 'string', 'minLength': 1, 'description': 'Tag or commit to roll back to.'}}, '$id': 'https://phasegate.dev/facts/change'}, rule='additionalProperties')
    return data
def validate_https___phasegate_dev_facts_owners(data, custom_formats={}, name_prefix=None):
    if not isinstance(data, (dict)):
        raise JsonSchemaValueException("" + (name_prefix or "data") + " must be object", value=data, name="" + (name_prefix or "data") + "", definition={'type': 'object', 'additionalProperties': False, 'description': 'People accountable for this rollout.', 'properties': {'release': {'type': 'string', 'description': 'Release owner.'}, 'rollback': {'type': 'string', 'description': 'Rollback owner.'}}, '$id': 'https://phasegate.dev/facts/owners'}, rule='type')
    data_is_dict = isinstance(data, dict)
    if data_is_dict:
        data_keys = set(data.keys())
        if "release" in data_keys:
            data_keys.remove("release")
            data__release = data["release"]
            if not isinstance(data__release, (str)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".release must be string", value=data__release, name="" + (name_prefix or "data") + ".release", definition={'type': 'string', 'description': 'Release owner.'}, rule='type')
        if "rollback" in data_keys:
            data_keys.remove("rollback")
            data__rollback = data["rollback"]
            if not isinstance(data__rollback, (str)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".rollback must be string", value=data__rollback, name="" + (name_prefix or "data") + ".rollback", definition={'type': 'string', 'description': 'Rollback owner.'}, rule='type')
        if data_keys:
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must not contain "+str(data_keys)+" properties", value=data, name="" + (name_prefix or "data") + "", definition={'type': 'object', 'additionalProperties': False, 'description': 'People accountable for this rollout.', 'properties': {'release': {'type': 'string', 'description': 'Release owner.'}, 'rollback': {'type': 'string', 'description': 'Rollback owner.'}}, '$id': 'https://phasegate.dev/facts/owners'}, rule='additionalProperties')
    return data
def validate_https___phasegate_dev_facts_deployed_version(data, custom_formats={}, name_prefix=None):
    if not isinstance(data, (str)):
        raise JsonSchemaValueException("" + (name_prefix or "data") + " must be string", value=data, name="" + (name_prefix or "data") + "", definition={'type': 'string', 'description': 'Version reported by `zjj --version` on the rolled-out runners, e.g. "0.4.3".', '$id': 'https://phasegate.dev/facts/deployed_version'}, rule='type')
    return data
_PATTERNS_checks = {
    '^[0-9a-fA-F]{7,64}$(?!\\n)': re.compile('^[0-9a-fA-F]{7,64}\\Z(?!\\n)'),
    '^[A-Za-z_][A-Za-z0-9_-]*$(?!\\n)': re.compile('^[A-Za-z_][A-Za-z0-9_-]*\\Z(?!\\n)')
}


def validate_https___phasegate_dev_facts_checks(data, custom_formats={}, name_prefix=None):
    if not isinstance(data, (dict)):
        raise JsonSchemaValueException("" + (name_prefix or "data") + " must be object", value=data, name="" + (name_prefix or "data") + "", definition={'type': 'object', 'description': 'Checklist command results by check name (`quick`, `test`, `ci` for `moon run :quick|:test|:ci`).', 'propertyNames': {'type': 'string', 'pattern': '^[A-Za-z_][A-Za-z0-9_-]*$(?!\\n)'}, 'additionalProperties': {'type': 'object', 'additionalProperties': False, 'required': ['exit_code'], 'description': 'The result of running one command.', 'properties': {'command': {'description': 'The command, as an argv list or a display string.', 'oneOf': [{'type': 'string'}, {'type': 'array', 'items': {'type': 'string'}}]}, 'exit_code': {'type': 'integer', 'description': 'Process exit status.'}, 'commit': {'type': 'string', 'pattern': '^[0-9a-fA-F]{7,64}$(?!\\n)', 'description': '`git rev-parse HEAD` in the working folder when the check ran: the commit it checked (absent when the folder is not a git checkout: unknown).'}, 'ok': {'type': 'boolean', 'description': "The tool's own success; when absent, exit_code == 0."}, 'duration_ms': {'type': 'number', 'minimum': 0, 'description': 'Wall time (ms).'}, 'timed_out': {'type': 'boolean', 'description': 'Killed after its timeout.'}, 'output': {'description': 'Parsed JSON output, any shape.'}, 'stdout_tail': {'type': 'string', 'description': 'Last part of standard output.'}, 'stderr_tail': {'type': 'string', 'description': 'Last part of standard error.'}, 'reused': {'type': 'boolean', 'description': 'True: this is the passing result of an earlier run of the same command at the same commit, kept in the state dir, not a new run (`--rerun-checks` runs it again).'}, 'age_s': {'type': 'number', 'minimum': 0, 'description': "With reused: seconds between that run's collection and this one."}}}, '$id': 'https://phasegate.dev/facts/checks'}, rule='type')
    data_is_dict = isinstance(data, dict)
    if data_is_dict:
        data_keys = set(data.keys())
        for data_key in data_keys:
            if data_key not in []:
                data_value = data.get(data_key)
                if not isinstance(data_value, (dict)):
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".{data_key}".format(**locals()) + " must be object", value=data_value, name="" + (name_prefix or "data") + ".{data_key}".format(**locals()) + "", definition={'type': 'object', 'additionalProperties': False, 'required': ['exit_code'], 'description': 'The result of running one command.', 'properties': {'command': {'description': 'The command, as an argv list or a display string.', 'oneOf': [{'type': 'string'}, {'type': 'array', 'items': {'type': 'string'}}]}, 'exit_code': {'type': 'integer', 'description': 'Process exit status.'}, 'commit': {'type': 'string', 'pattern': '^[0-9a-fA-F]{7,64}$(?!\\n)', 'description': '`git rev-parse HEAD` in the working folder when the check ran: the commit it checked (absent when the folder is not a git checkout: unknown).'}, 'ok': {'type': 'boolean', 'description': "The tool's own success; when absent, exit_code == 0."}, 'duration_ms': {'type': 'number', 'minimum': 0, 'description': 'Wall time (ms).'}, 'timed_out': {'type': 'boolean', 'description': 'Killed after its timeout.'}, 'output': {'description': 'Parsed JSON output, any shape.'}, 'stdout_tail': {'type': 'string', 'description': 'Last part of standard output.'}, 'stderr_tail': {'type': 'string', 'description': 'Last part of standard error.'}, 'reused': {'type': 'boolean', 'description': 'True: this is the passing result of an earlier run of the same command at the same commit, kept in the state dir, not a new run (`--rerun-checks` runs it again).'}, 'age_s': {'type': 'number', 'minimum': 0, 'description': "With reused: seconds between that run's collection and this one."}}}, rule='type')
                data_value_is_dict = isinstance(data_value, dict)
                if data_value_is_dict:
                    data_value__missing_keys = set(['exit_code']) - data_value.keys()
                    if data_value__missing_keys:
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".{data_key}".format(**locals()) + " must contain " + (str(sorted(data_value__missing_keys)) + " properties"), value=data_value, name="" + (name_prefix or "data") + ".{data_key}".format(**locals()) + "", definition={'type': 'object', 'additionalProperties': False, 'required': ['exit_code'], 'description': 'The result of running one command.', 'properties': {'command': {'description': 'The command, as an argv list or a display string.', 'oneOf': [{'type': 'string'}, {'type': 'array', 'items': {'type': 'string'}}]}, 'exit_code': {'type': 'integer', 'description': 'Process exit status.'}, 'commit': {'type': 'string', 'pattern': '^[0-9a-fA-F]{7,64}$(?!\\n)', 'description': '`git rev-parse HEAD` in the working folder when the check ran: the commit it checked (absent when the folder is not a git checkout: unknown).'}, 'ok': {'type': 'boolean', 'description': "The tool's own success; when absent, exit_code == 0."}, 'duration_ms': {'type': 'number', 'minimum': 0, 'description': 'Wall time (ms).'}, 'timed_out': {'type': 'boolean', 'description': 'Killed after its timeout.'}, 'output': {'description': 'Parsed JSON output, any shape.'}, 'stdout_tail': {'type': 'string', 'description': 'Last part of standard output.'}, 'stderr_tail': {'type': 'string', 'description': 'Last part of standard error.'}, 'reused': {'type': 'boolean', 'description': 'True: this is the passing result of an earlier run of the same command at the same commit, kept in the state dir, not a new run (`--rerun-checks` runs it again).'}, 'age_s': {'type': 'number', 'minimum': 0, 'description': "With reused: seconds between that run's collection and this one."}}}, rule='required')
                    data_value_keys = set(data_value.keys())
                    if "command" in data_value_keys:
                        data_value_keys.remove("command")
                        data_value__command = data_value["command"]
                        data_value__command_one_of_count1 = 0
                        if data_value__command_one_of_count1 < 2:
                            try:
                                if not isinstance(data_value__command, (str)):
                                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".{data_key}.command".format(**locals()) + " must be string", value=data_value__command, name="" + (name_prefix or "data") + ".{data_key}.command".format(**locals()) + "", definition={'type': 'string'}, rule='type')
                                data_value__command_one_of_count1 += 1
                            except (JsonSchemaValueException, JsonSchemaValuesException): pass
                        if data_value__command_one_of_count1 < 2:
                            try:
                                if not isinstance(data_value__command, (list, tuple)):
                                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".{data_key}.command".format(**locals()) + " must be array", value=data_value__command, name="" + (name_prefix or "data") + ".{data_key}.command".format(**locals()) + "", definition={'type': 'array', 'items': {'type': 'string'}}, rule='type')
                                data_value__command_is_list = isinstance(data_value__command, (list, tuple))
                                if data_value__command_is_list:
                                    data_value__command_len = len(data_value__command)
                                    for data_value__command_x, data_value__command_item in enumerate(data_value__command):
                                        if not isinstance(data_value__command_item, (str)):
                                            raise JsonSchemaValueException("" + (name_prefix or "data") + ".{data_key}.command[{data_value__command_x}]".format(**locals()) + " must be string", value=data_value__command_item, name="" + (name_prefix or "data") + ".{data_key}.command[{data_value__command_x}]".format(**locals()) + "", definition={'type': 'string'}, rule='type')
                                data_value__command_one_of_count1 += 1
                            except (JsonSchemaValueException, JsonSchemaValuesException): pass
                        if data_value__command_one_of_count1 != 1:
                            raise JsonSchemaValueException("" + (name_prefix or "data") + ".{data_key}.command".format(**locals()) + " must be valid exactly by one definition" + (" (" + str(data_value__command_one_of_count1) + " matches found)"), value=data_value__command, name="" + (name_prefix or "data") + ".{data_key}.command".format(**locals()) + "", definition={'description': 'The command, as an argv list or a display string.', 'oneOf': [{'type': 'string'}, {'type': 'array', 'items': {'type': 'string'}}]}, rule='oneOf')
                    if "exit_code" in data_value_keys:
                        data_value_keys.remove("exit_code")
                        data_value__exitcode = data_value["exit_code"]
                        if not isinstance(data_value__exitcode, (int)) and not (isinstance(data_value__exitcode, float) and data_value__exitcode.is_integer()) or isinstance(data_value__exitcode, bool):
                            raise JsonSchemaValueException("" + (name_prefix or "data") + ".{data_key}.exit_code".format(**locals()) + " must be integer", value=data_value__exitcode, name="" + (name_prefix or "data") + ".{data_key}.exit_code".format(**locals()) + "", definition={'type': 'integer', 'description': 'Process exit status.'}, rule='type')
                    if "commit" in data_value_keys:
                        data_value_keys.remove("commit")
                        data_value__commit = data_value["commit"]
                        if not isinstance(data_value__commit, (str)):
                            raise JsonSchemaValueException("" + (name_prefix or "data") + ".{data_key}.commit".format(**locals()) + " must be string", value=data_value__commit, name="" + (name_prefix or "data") + ".{data_key}.commit".format(**locals()) + "", definition={'type': 'string', 'pattern': '^[0-9a-fA-F]{7,64}$(?!\\n)', 'description': '`git rev-parse HEAD` in the working folder when the check ran: the commit it checked (absent when the folder is not a git checkout: unknown).'}, rule='type')
                        if isinstance(data_value__commit, str):
                            if not _PATTERNS_checks['^[0-9a-fA-F]{7,64}$(?!\\n)'].search(data_value__commit):
                                raise JsonSchemaValueException("" + (name_prefix or "data") + ".{data_key}.commit".format(**locals()) + " must match pattern ^[0-9a-fA-F]{7,64}$(?!\\n)", value=data_value__commit, name="" + (name_prefix or "data") + ".{data_key}.commit".format(**locals()) + "", definition={'type': 'string', 'pattern': '^[0-9a-fA-F]{7,64}$(?!\\n)', 'description': '`git rev-parse HEAD` in the working folder when the check ran: the commit it checked (absent when the folder is not a git checkout: unknown).'}, rule='pattern')
                    if "ok" in data_value_keys:
                        data_value_keys.remove("ok")
                        data_value__ok = data_value["ok"]
                        if not isinstance(data_value__ok, (bool)):
                            raise JsonSchemaValueException("" + (name_prefix or "data") + ".{data_key}.ok".format(**locals()) + " must be boolean", value=data_value__ok, name="" + (name_prefix or "data") + ".{data_key}.ok".format(**locals()) + "", definition={'type': 'boolean', 'description': "The tool's own success; when absent, exit_code == 0."}, rule='type')
                    if "duration_ms" in data_value_keys:
                        data_value_keys.remove("duration_ms")
                        data_value__durationms = data_value["duration_ms"]
                        if not isinstance(data_value__durationms, (int, float, Decimal)) or isinstance(data_value__durationms, bool):
                            raise JsonSchemaValueException("" + (name_prefix or "data") + ".{data_key}.duration_ms".format(**locals()) + " must be number", value=data_value__durationms, name="" + (name_prefix or "data") + ".{data_key}.duration_ms".format(**locals()) + "", definition={'type': 'number', 'minimum': 0, 'description': 'Wall time (ms).'}, rule='type')
                        if isinstance(data_value__durationms, (int, float, Decimal)) and not isinstance(data_value__durationms, bool):
                            if data_value__durationms < 0:
                                raise JsonSchemaValueException("" + (name_prefix or "data") + ".{data_key}.duration_ms".format(**locals()) + " must be bigger than or equal to 0", value=data_value__durationms, name="" + (name_prefix or "data") + ".{data_key}.duration_ms".format(**locals()) + "", definition={'type': 'number', 'minimum': 0, 'description': 'Wall time (ms).'}, rule='minimum')
                    if "timed_out" in data_value_keys:
                        data_value_keys.remove("timed_out")
                        data_value__timedout = data_value["timed_out"]
                        if not isinstance(data_value__timedout, (bool)):
                            raise JsonSchemaValueException("" + (name_prefix or "data") + ".{data_key}.timed_out".format(**locals()) + " must be boolean", value=data_value__timedout, name="" + (name_prefix or "data") + ".{data_key}.timed_out".format(**locals()) + "", definition={'type': 'boolean', 'description': 'Killed after its timeout.'}, rule='type')
                    if "output" in data_value_keys:
                        data_value_keys.remove("output")
                        data_value__output = data_value["output"]
                    if "stdout_tail" in data_value_keys:
                        data_value_keys.remove("stdout_tail")
                        data_value__stdouttail = data_value["stdout_tail"]
                        if not isinstance(data_value__stdouttail, (str)):
                            raise JsonSchemaValueException("" + (name_prefix or "data") + ".{data_key}.stdout_tail".format(**locals()) + " must be string", value=data_value__stdouttail, name="" + (name_prefix or "data") + ".{data_key}.stdout_tail".format(**locals()) + "", definition={'type': 'string', 'description': 'Last part of standard output.'}, rule='type')
                    if "stderr_tail" in data_value_keys:
                        data_value_keys.remove("stderr_tail")
                        data_value__stderrtail = data_value["stderr_tail"]
                        if not isinstance(data_value__stderrtail, (str)):
                            raise JsonSchemaValueException("" + (name_prefix or "data") + ".{data_key}.stderr_tail".format(**locals()) + " must be string", value=data_value__stderrtail, name="" + (name_prefix or "data") + ".{data_key}.stderr_tail".format(**locals()) + "", definition={'type': 'string', 'description': 'Last part of standard error.'}, rule='type')
                    if "reused" in data_value_keys:
                        data_value_keys.remove("reused")
                        data_value__reused = data_value["reused"]
                        if not isinstance(data_value__reused, (bool)):
                            raise JsonSchemaValueException("" + (name_prefix or "data") + ".{data_key}.reused".format(**locals()) + " must be boolean", value=data_value__reused, name="" + (name_prefix or "data") + ".{data_key}.reused".format(**locals()) + "", definition={'type': 'boolean', 'description': 'True: this is the passing result of an earlier run of the same command at the same commit, kept in the state dir, not a new run (`--rerun-checks` runs it again).'}, rule='type')
                    if "age_s" in data_value_keys:
                        data_value_keys.remove("age_s")
                        data_value__ages = data_value["age_s"]
                        if not isinstance(data_value__ages, (int, float, Decimal)) or isinstance(data_value__ages, bool):
                            raise JsonSchemaValueException("" + (name_prefix or "data") + ".{data_key}.age_s".format(**locals()) + " must be number", value=data_value__ages, name="" + (name_prefix or "data") + ".{data_key}.age_s".format(**locals()) + "", definition={'type': 'number', 'minimum': 0, 'description': "With reused: seconds between that run's collection and this one."}, rule='type')
                        if isinstance(data_value__ages, (int, float, Decimal)) and not isinstance(data_value__ages, bool):
                            if data_value__ages < 0:
                                raise JsonSchemaValueException("" + (name_prefix or "data") + ".{data_key}.age_s".format(**locals()) + " must be bigger than or equal to 0", value=data_value__ages, name="" + (name_prefix or "data") + ".{data_key}.age_s".format(**locals()) + "", definition={'type': 'number', 'minimum': 0, 'description': "With reused: seconds between that run's collection and this one."}, rule='minimum')
                    if data_value_keys:
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".{data_key}".format(**locals()) + " must not contain "+str(data_value_keys)+" properties", value=data_value, name="" + (name_prefix or "data") + ".{data_key}".format(**locals()) + "", definition={'type': 'object', 'additionalProperties': False, 'required': ['exit_code'], 'description': 'The result of running one command.', 'properties': {'command': {'description': 'The command, as an argv list or a display string.', 'oneOf': [{'type': 'string'}, {'type': 'array', 'items': {'type': 'string'}}]}, 'exit_code': {'type': 'integer', 'description': 'Process exit status.'}, 'commit': {'type': 'string', 'pattern': '^[0-9a-fA-F]{7,64}$(?!\\n)', 'description': '`git rev-parse HEAD` in the working folder when the check ran: the commit it checked (absent when the folder is not a git checkout: unknown).'}, 'ok': {'type': 'boolean', 'description': "The tool's own success; when absent, exit_code == 0."}, 'duration_ms': {'type': 'number', 'minimum': 0, 'description': 'Wall time (ms).'}, 'timed_out': {'type': 'boolean', 'description': 'Killed after its timeout.'}, 'output': {'description': 'Parsed JSON output, any shape.'}, 'stdout_tail': {'type': 'string', 'description': 'Last part of standard output.'}, 'stderr_tail': {'type': 'string', 'description': 'Last part of standard error.'}, 'reused': {'type': 'boolean', 'description': 'True: this is the passing result of an earlier run of the same command at the same commit, kept in the state dir, not a new run (`--rerun-checks` runs it again).'}, 'age_s': {'type': 'number', 'minimum': 0, 'description': "With reused: seconds between that run's collection and this one."}}}, rule='additionalProperties')
        data_len = len(data)
        if data_len != 0:
            data_property_names = True
            for data_key in data:
                try:
                    if not isinstance(data_key, (str)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + " must be string", value=data_key, name="" + (name_prefix or "data") + "", definition={'type': 'string', 'pattern': '^[A-Za-z_][A-Za-z0-9_-]*$(?!\\n)'}, rule='type')
                    if isinstance(data_key, str):
                        if not _PATTERNS_checks['^[A-Za-z_][A-Za-z0-9_-]*$(?!\\n)'].search(data_key):
                            raise JsonSchemaValueException("" + (name_prefix or "data") + " must match pattern ^[A-Za-z_][A-Za-z0-9_-]*$(?!\\n)", value=data_key, name="" + (name_prefix or "data") + "", definition={'type': 'string', 'pattern': '^[A-Za-z_][A-Za-z0-9_-]*$(?!\\n)'}, rule='pattern')
                except (JsonSchemaValueException, JsonSchemaValuesException):
                    data_property_names = False
            if not data_property_names:
                raise JsonSchemaValueException("" + (name_prefix or "data") + " must be named by propertyName definition", value=data, name="" + (name_prefix or "data") + "", definition={'type': 'object', 'description': 'Checklist command results by check name (`quick`, `test`, `ci` for `moon run :quick|:test|:ci`).', 'propertyNames': {'type': 'string', 'pattern': '^[A-Za-z_][A-Za-z0-9_-]*$(?!\\n)'}, 'additionalProperties': {'type': 'object', 'additionalProperties': False, 'required': ['exit_code'], 'description': 'The result of running one command.', 'properties': {'command': {'description': 'The command, as an argv list or a display string.', 'oneOf': [{'type': 'string'}, {'type': 'array', 'items': {'type': 'string'}}]}, 'exit_code': {'type': 'integer', 'description': 'Process exit status.'}, 'commit': {'type': 'string', 'pattern': '^[0-9a-fA-F]{7,64}$(?!\\n)', 'description': '`git rev-parse HEAD` in the working folder when the check ran: the commit it checked (absent when the folder is not a git checkout: unknown).'}, 'ok': {'type': 'boolean', 'description': "The tool's own success; when absent, exit_code == 0."}, 'duration_ms': {'type': 'number', 'minimum': 0, 'description': 'Wall time (ms).'}, 'timed_out': {'type': 'boolean', 'description': 'Killed after its timeout.'}, 'output': {'description': 'Parsed JSON output, any shape.'}, 'stdout_tail': {'type': 'string', 'description': 'Last part of standard output.'}, 'stderr_tail': {'type': 'string', 'description': 'Last part of standard error.'}, 'reused': {'type': 'boolean', 'description': 'True: this is the passing result of an earlier run of the same command at the same commit, kept in the state dir, not a new run (`--rerun-checks` runs it again).'}, 'age_s': {'type': 'number', 'minimum': 0, 'description': "With reused: seconds between that run's collection and this one."}}}, '$id': 'https://phasegate.dev/facts/checks'}, rule='propertyNames')
    return data
_PATTERNS_metrics = {
    '^[A-Za-z_][A-Za-z0-9_-]*$(?!\\n)': re.compile('^[A-Za-z_][A-Za-z0-9_-]*\\Z(?!\\n)')
}


def validate_https___phasegate_dev_facts_metrics(data, custom_formats={}, name_prefix=None):
    if not isinstance(data, (dict)):
        raise JsonSchemaValueException("" + (name_prefix or "data") + " must be object", value=data, name="" + (name_prefix or "data") + "", definition={'type': 'object', 'propertyNames': {'type': 'string', 'pattern': '^[A-Za-z_][A-Za-z0-9_-]*$(?!\\n)'}, 'additionalProperties': {'type': 'number', 'description': 'Any other metric (double).'}, 'properties': {'error_rate': {'type': 'number', 'minimum': 0, 'maximum': 1, 'description': 'Share of failed operator commands in the window (ratio 0..1).'}, 'lock_contention_rate': {'type': 'number', 'minimum': 0, 'maximum': 1, 'description': 'Share of commands that hit lock contention (ratio 0..1).'}, 'agents_total': {'type': 'integer', 'minimum': 0, 'description': 'Swarm agents known (count).'}, 'agents_failed': {'type': 'integer', 'minimum': 0, 'description': 'Swarm agents in error (count).'}, 'agent_completion_rate': {'type': 'number', 'minimum': 0, 'maximum': 1, 'description': 'Share of agent runs that completed (ratio 0..1).'}, 'throughput': {'type': 'number', 'minimum': 0, 'description': 'Beads closed per hour (beads/h).'}, 'new_failures': {'type': 'number', 'minimum': 0, 'description': 'New swarm failure events since the previous sample (count of `swarm monitor --view failures` rows with a higher seq; absent on the first sample).'}}, 'description': "Measurements of the current release during this phase's window.", '$id': 'https://phasegate.dev/facts/metrics'}, rule='type')
    data_is_dict = isinstance(data, dict)
    if data_is_dict:
        data_keys = set(data.keys())
        if "error_rate" in data_keys:
            data_keys.remove("error_rate")
            data__errorrate = data["error_rate"]
            if not isinstance(data__errorrate, (int, float, Decimal)) or isinstance(data__errorrate, bool):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".error_rate must be number", value=data__errorrate, name="" + (name_prefix or "data") + ".error_rate", definition={'type': 'number', 'minimum': 0, 'maximum': 1, 'description': 'Share of failed operator commands in the window (ratio 0..1).'}, rule='type')
            if isinstance(data__errorrate, (int, float, Decimal)) and not isinstance(data__errorrate, bool):
                if data__errorrate < 0:
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".error_rate must be bigger than or equal to 0", value=data__errorrate, name="" + (name_prefix or "data") + ".error_rate", definition={'type': 'number', 'minimum': 0, 'maximum': 1, 'description': 'Share of failed operator commands in the window (ratio 0..1).'}, rule='minimum')
                if data__errorrate > 1:
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".error_rate must be smaller than or equal to 1", value=data__errorrate, name="" + (name_prefix or "data") + ".error_rate", definition={'type': 'number', 'minimum': 0, 'maximum': 1, 'description': 'Share of failed operator commands in the window (ratio 0..1).'}, rule='maximum')
        if "lock_contention_rate" in data_keys:
            data_keys.remove("lock_contention_rate")
            data__lockcontentionrate = data["lock_contention_rate"]
            if not isinstance(data__lockcontentionrate, (int, float, Decimal)) or isinstance(data__lockcontentionrate, bool):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".lock_contention_rate must be number", value=data__lockcontentionrate, name="" + (name_prefix or "data") + ".lock_contention_rate", definition={'type': 'number', 'minimum': 0, 'maximum': 1, 'description': 'Share of commands that hit lock contention (ratio 0..1).'}, rule='type')
            if isinstance(data__lockcontentionrate, (int, float, Decimal)) and not isinstance(data__lockcontentionrate, bool):
                if data__lockcontentionrate < 0:
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".lock_contention_rate must be bigger than or equal to 0", value=data__lockcontentionrate, name="" + (name_prefix or "data") + ".lock_contention_rate", definition={'type': 'number', 'minimum': 0, 'maximum': 1, 'description': 'Share of commands that hit lock contention (ratio 0..1).'}, rule='minimum')
                if data__lockcontentionrate > 1:
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".lock_contention_rate must be smaller than or equal to 1", value=data__lockcontentionrate, name="" + (name_prefix or "data") + ".lock_contention_rate", definition={'type': 'number', 'minimum': 0, 'maximum': 1, 'description': 'Share of commands that hit lock contention (ratio 0..1).'}, rule='maximum')
        if "agents_total" in data_keys:
            data_keys.remove("agents_total")
            data__agentstotal = data["agents_total"]
            if not isinstance(data__agentstotal, (int)) and not (isinstance(data__agentstotal, float) and data__agentstotal.is_integer()) or isinstance(data__agentstotal, bool):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".agents_total must be integer", value=data__agentstotal, name="" + (name_prefix or "data") + ".agents_total", definition={'type': 'integer', 'minimum': 0, 'description': 'Swarm agents known (count).'}, rule='type')
            if isinstance(data__agentstotal, (int, float, Decimal)) and not isinstance(data__agentstotal, bool):
                if data__agentstotal < 0:
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".agents_total must be bigger than or equal to 0", value=data__agentstotal, name="" + (name_prefix or "data") + ".agents_total", definition={'type': 'integer', 'minimum': 0, 'description': 'Swarm agents known (count).'}, rule='minimum')
        if "agents_failed" in data_keys:
            data_keys.remove("agents_failed")
            data__agentsfailed = data["agents_failed"]
            if not isinstance(data__agentsfailed, (int)) and not (isinstance(data__agentsfailed, float) and data__agentsfailed.is_integer()) or isinstance(data__agentsfailed, bool):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".agents_failed must be integer", value=data__agentsfailed, name="" + (name_prefix or "data") + ".agents_failed", definition={'type': 'integer', 'minimum': 0, 'description': 'Swarm agents in error (count).'}, rule='type')
            if isinstance(data__agentsfailed, (int, float, Decimal)) and not isinstance(data__agentsfailed, bool):
                if data__agentsfailed < 0:
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".agents_failed must be bigger than or equal to 0", value=data__agentsfailed, name="" + (name_prefix or "data") + ".agents_failed", definition={'type': 'integer', 'minimum': 0, 'description': 'Swarm agents in error (count).'}, rule='minimum')
        if "agent_completion_rate" in data_keys:
            data_keys.remove("agent_completion_rate")
            data__agentcompletionrate = data["agent_completion_rate"]
            if not isinstance(data__agentcompletionrate, (int, float, Decimal)) or isinstance(data__agentcompletionrate, bool):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".agent_completion_rate must be number", value=data__agentcompletionrate, name="" + (name_prefix or "data") + ".agent_completion_rate", definition={'type': 'number', 'minimum': 0, 'maximum': 1, 'description': 'Share of agent runs that completed (ratio 0..1).'}, rule='type')
            if isinstance(data__agentcompletionrate, (int, float, Decimal)) and not isinstance(data__agentcompletionrate, bool):
                if data__agentcompletionrate < 0:
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".agent_completion_rate must be bigger than or equal to 0", value=data__agentcompletionrate, name="" + (name_prefix or "data") + ".agent_completion_rate", definition={'type': 'number', 'minimum': 0, 'maximum': 1, 'description': 'Share of agent runs that completed (ratio 0..1).'}, rule='minimum')
                if data__agentcompletionrate > 1:
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".agent_completion_rate must be smaller than or equal to 1", value=data__agentcompletionrate, name="" + (name_prefix or "data") + ".agent_completion_rate", definition={'type': 'number', 'minimum': 0, 'maximum': 1, 'description': 'Share of agent runs that completed (ratio 0..1).'}, rule='maximum')
        if "throughput" in data_keys:
            data_keys.remove("throughput")
            data__throughput = data["throughput"]
            if not isinstance(data__throughput, (int, float, Decimal)) or isinstance(data__throughput, bool):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".throughput must be number", value=data__throughput, name="" + (name_prefix or "data") + ".throughput", definition={'type': 'number', 'minimum': 0, 'description': 'Beads closed per hour (beads/h).'}, rule='type')
            if isinstance(data__throughput, (int, float, Decimal)) and not isinstance(data__throughput, bool):
                if data__throughput < 0:
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".throughput must be bigger than or equal to 0", value=data__throughput, name="" + (name_prefix or "data") + ".throughput", definition={'type': 'number', 'minimum': 0, 'description': 'Beads closed per hour (beads/h).'}, rule='minimum')
        if "new_failures" in data_keys:
            data_keys.remove("new_failures")
            data__newfailures = data["new_failures"]
            if not isinstance(data__newfailures, (int, float, Decimal)) or isinstance(data__newfailures, bool):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".new_failures must be number", value=data__newfailures, name="" + (name_prefix or "data") + ".new_failures", definition={'type': 'number', 'minimum': 0, 'description': 'New swarm failure events since the previous sample (count of `swarm monitor --view failures` rows with a higher seq; absent on the first sample).'}, rule='type')
            if isinstance(data__newfailures, (int, float, Decimal)) and not isinstance(data__newfailures, bool):
                if data__newfailures < 0:
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".new_failures must be bigger than or equal to 0", value=data__newfailures, name="" + (name_prefix or "data") + ".new_failures", definition={'type': 'number', 'minimum': 0, 'description': 'New swarm failure events since the previous sample (count of `swarm monitor --view failures` rows with a higher seq; absent on the first sample).'}, rule='minimum')
        for data_key in data_keys:
            if data_key not in ['error_rate', 'lock_contention_rate', 'agents_total', 'agents_failed', 'agent_completion_rate', 'throughput', 'new_failures']:
                data_value = data.get(data_key)
                if not isinstance(data_value, (int, float, Decimal)) or isinstance(data_value, bool):
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".{data_key}".format(**locals()) + " must be number", value=data_value, name="" + (name_prefix or "data") + ".{data_key}".format(**locals()) + "", definition={'type': 'number', 'description': 'Any other metric (double).'}, rule='type')
        data_len = len(data)
        if data_len != 0:
            data_property_names = True
            for data_key in data:
                try:
                    if not isinstance(data_key, (str)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + " must be string", value=data_key, name="" + (name_prefix or "data") + "", definition={'type': 'string', 'pattern': '^[A-Za-z_][A-Za-z0-9_-]*$(?!\\n)'}, rule='type')
                    if isinstance(data_key, str):
                        if not _PATTERNS_metrics['^[A-Za-z_][A-Za-z0-9_-]*$(?!\\n)'].search(data_key):
                            raise JsonSchemaValueException("" + (name_prefix or "data") + " must match pattern ^[A-Za-z_][A-Za-z0-9_-]*$(?!\\n)", value=data_key, name="" + (name_prefix or "data") + "", definition={'type': 'string', 'pattern': '^[A-Za-z_][A-Za-z0-9_-]*$(?!\\n)'}, rule='pattern')
                except (JsonSchemaValueException, JsonSchemaValuesException):
                    data_property_names = False
            if not data_property_names:
                raise JsonSchemaValueException("" + (name_prefix or "data") + " must be named by propertyName definition", value=data, name="" + (name_prefix or "data") + "", definition={'type': 'object', 'propertyNames': {'type': 'string', 'pattern': '^[A-Za-z_][A-Za-z0-9_-]*$(?!\\n)'}, 'additionalProperties': {'type': 'number', 'description': 'Any other metric (double).'}, 'properties': {'error_rate': {'type': 'number', 'minimum': 0, 'maximum': 1, 'description': 'Share of failed operator commands in the window (ratio 0..1).'}, 'lock_contention_rate': {'type': 'number', 'minimum': 0, 'maximum': 1, 'description': 'Share of commands that hit lock contention (ratio 0..1).'}, 'agents_total': {'type': 'integer', 'minimum': 0, 'description': 'Swarm agents known (count).'}, 'agents_failed': {'type': 'integer', 'minimum': 0, 'description': 'Swarm agents in error (count).'}, 'agent_completion_rate': {'type': 'number', 'minimum': 0, 'maximum': 1, 'description': 'Share of agent runs that completed (ratio 0..1).'}, 'throughput': {'type': 'number', 'minimum': 0, 'description': 'Beads closed per hour (beads/h).'}, 'new_failures': {'type': 'number', 'minimum': 0, 'description': 'New swarm failure events since the previous sample (count of `swarm monitor --view failures` rows with a higher seq; absent on the first sample).'}}, 'description': "Measurements of the current release during this phase's window.", '$id': 'https://phasegate.dev/facts/metrics'}, rule='propertyNames')
    return data
_PATTERNS_baseline = {
    '^[A-Za-z_][A-Za-z0-9_-]*$(?!\\n)': re.compile('^[A-Za-z_][A-Za-z0-9_-]*\\Z(?!\\n)')
}


def validate_https___phasegate_dev_facts_baseline(data, custom_formats={}, name_prefix=None):
    if not isinstance(data, (dict)):
        raise JsonSchemaValueException("" + (name_prefix or "data") + " must be object", value=data, name="" + (name_prefix or "data") + "", definition={'type': 'object', 'propertyNames': {'type': 'string', 'pattern': '^[A-Za-z_][A-Za-z0-9_-]*$(?!\\n)'}, 'additionalProperties': {'type': 'number', 'description': 'Any other metric (double).'}, 'properties': {'error_rate': {'type': 'number', 'minimum': 0, 'maximum': 1, 'description': 'Share of failed operator commands in the window (ratio 0..1).'}, 'lock_contention_rate': {'type': 'number', 'minimum': 0, 'maximum': 1, 'description': 'Share of commands that hit lock contention (ratio 0..1).'}, 'agents_total': {'type': 'integer', 'minimum': 0, 'description': 'Swarm agents known (count).'}, 'agents_failed': {'type': 'integer', 'minimum': 0, 'description': 'Swarm agents in error (count).'}, 'agent_completion_rate': {'type': 'number', 'minimum': 0, 'maximum': 1, 'description': 'Share of agent runs that completed (ratio 0..1).'}, 'throughput': {'type': 'number', 'minimum': 0, 'description': 'Beads closed per hour (beads/h).'}, 'new_failures': {'type': 'number', 'minimum': 0, 'description': 'New swarm failure events since the previous sample (count of `swarm monitor --view failures` rows with a higher seq; absent on the first sample).'}}, 'description': 'The same measurements taken on the last known-good release.', '$id': 'https://phasegate.dev/facts/baseline'}, rule='type')
    data_is_dict = isinstance(data, dict)
    if data_is_dict:
        data_keys = set(data.keys())
        if "error_rate" in data_keys:
            data_keys.remove("error_rate")
            data__errorrate = data["error_rate"]
            if not isinstance(data__errorrate, (int, float, Decimal)) or isinstance(data__errorrate, bool):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".error_rate must be number", value=data__errorrate, name="" + (name_prefix or "data") + ".error_rate", definition={'type': 'number', 'minimum': 0, 'maximum': 1, 'description': 'Share of failed operator commands in the window (ratio 0..1).'}, rule='type')
            if isinstance(data__errorrate, (int, float, Decimal)) and not isinstance(data__errorrate, bool):
                if data__errorrate < 0:
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".error_rate must be bigger than or equal to 0", value=data__errorrate, name="" + (name_prefix or "data") + ".error_rate", definition={'type': 'number', 'minimum': 0, 'maximum': 1, 'description': 'Share of failed operator commands in the window (ratio 0..1).'}, rule='minimum')
                if data__errorrate > 1:
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".error_rate must be smaller than or equal to 1", value=data__errorrate, name="" + (name_prefix or "data") + ".error_rate", definition={'type': 'number', 'minimum': 0, 'maximum': 1, 'description': 'Share of failed operator commands in the window (ratio 0..1).'}, rule='maximum')
        if "lock_contention_rate" in data_keys:
            data_keys.remove("lock_contention_rate")
            data__lockcontentionrate = data["lock_contention_rate"]
            if not isinstance(data__lockcontentionrate, (int, float, Decimal)) or isinstance(data__lockcontentionrate, bool):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".lock_contention_rate must be number", value=data__lockcontentionrate, name="" + (name_prefix or "data") + ".lock_contention_rate", definition={'type': 'number', 'minimum': 0, 'maximum': 1, 'description': 'Share of commands that hit lock contention (ratio 0..1).'}, rule='type')
            if isinstance(data__lockcontentionrate, (int, float, Decimal)) and not isinstance(data__lockcontentionrate, bool):
                if data__lockcontentionrate < 0:
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".lock_contention_rate must be bigger than or equal to 0", value=data__lockcontentionrate, name="" + (name_prefix or "data") + ".lock_contention_rate", definition={'type': 'number', 'minimum': 0, 'maximum': 1, 'description': 'Share of commands that hit lock contention (ratio 0..1).'}, rule='minimum')
                if data__lockcontentionrate > 1:
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".lock_contention_rate must be smaller than or equal to 1", value=data__lockcontentionrate, name="" + (name_prefix or "data") + ".lock_contention_rate", definition={'type': 'number', 'minimum': 0, 'maximum': 1, 'description': 'Share of commands that hit lock contention (ratio 0..1).'}, rule='maximum')
        if "agents_total" in data_keys:
            data_keys.remove("agents_total")
            data__agentstotal = data["agents_total"]
            if not isinstance(data__agentstotal, (int)) and not (isinstance(data__agentstotal, float) and data__agentstotal.is_integer()) or isinstance(data__agentstotal, bool):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".agents_total must be integer", value=data__agentstotal, name="" + (name_prefix or "data") + ".agents_total", definition={'type': 'integer', 'minimum': 0, 'description': 'Swarm agents known (count).'}, rule='type')
            if isinstance(data__agentstotal, (int, float, Decimal)) and not isinstance(data__agentstotal, bool):
                if data__agentstotal < 0:
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".agents_total must be bigger than or equal to 0", value=data__agentstotal, name="" + (name_prefix or "data") + ".agents_total", definition={'type': 'integer', 'minimum': 0, 'description': 'Swarm agents known (count).'}, rule='minimum')
        if "agents_failed" in data_keys:
            data_keys.remove("agents_failed")
            data__agentsfailed = data["agents_failed"]
            if not isinstance(data__agentsfailed, (int)) and not (isinstance(data__agentsfailed, float) and data__agentsfailed.is_integer()) or isinstance(data__agentsfailed, bool):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".agents_failed must be integer", value=data__agentsfailed, name="" + (name_prefix or "data") + ".agents_failed", definition={'type': 'integer', 'minimum': 0, 'description': 'Swarm agents in error (count).'}, rule='type')
            if isinstance(data__agentsfailed, (int, float, Decimal)) and not isinstance(data__agentsfailed, bool):
                if data__agentsfailed < 0:
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".agents_failed must be bigger than or equal to 0", value=data__agentsfailed, name="" + (name_prefix or "data") + ".agents_failed", definition={'type': 'integer', 'minimum': 0, 'description': 'Swarm agents in error (count).'}, rule='minimum')
        if "agent_completion_rate" in data_keys:
            data_keys.remove("agent_completion_rate")
            data__agentcompletionrate = data["agent_completion_rate"]
            if not isinstance(data__agentcompletionrate, (int, float, Decimal)) or isinstance(data__agentcompletionrate, bool):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".agent_completion_rate must be number", value=data__agentcompletionrate, name="" + (name_prefix or "data") + ".agent_completion_rate", definition={'type': 'number', 'minimum': 0, 'maximum': 1, 'description': 'Share of agent runs that completed (ratio 0..1).'}, rule='type')
            if isinstance(data__agentcompletionrate, (int, float, Decimal)) and not isinstance(data__agentcompletionrate, bool):
                if data__agentcompletionrate < 0:
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".agent_completion_rate must be bigger than or equal to 0", value=data__agentcompletionrate, name="" + (name_prefix or "data") + ".agent_completion_rate", definition={'type': 'number', 'minimum': 0, 'maximum': 1, 'description': 'Share of agent runs that completed (ratio 0..1).'}, rule='minimum')
                if data__agentcompletionrate > 1:
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".agent_completion_rate must be smaller than or equal to 1", value=data__agentcompletionrate, name="" + (name_prefix or "data") + ".agent_completion_rate", definition={'type': 'number', 'minimum': 0, 'maximum': 1, 'description': 'Share of agent runs that completed (ratio 0..1).'}, rule='maximum')
        if "throughput" in data_keys:
            data_keys.remove("throughput")
            data__throughput = data["throughput"]
            if not isinstance(data__throughput, (int, float, Decimal)) or isinstance(data__throughput, bool):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".throughput must be number", value=data__throughput, name="" + (name_prefix or "data") + ".throughput", definition={'type': 'number', 'minimum': 0, 'description': 'Beads closed per hour (beads/h).'}, rule='type')
            if isinstance(data__throughput, (int, float, Decimal)) and not isinstance(data__throughput, bool):
                if data__throughput < 0:
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".throughput must be bigger than or equal to 0", value=data__throughput, name="" + (name_prefix or "data") + ".throughput", definition={'type': 'number', 'minimum': 0, 'description': 'Beads closed per hour (beads/h).'}, rule='minimum')
        if "new_failures" in data_keys:
            data_keys.remove("new_failures")
            data__newfailures = data["new_failures"]
            if not isinstance(data__newfailures, (int, float, Decimal)) or isinstance(data__newfailures, bool):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".new_failures must be number", value=data__newfailures, name="" + (name_prefix or "data") + ".new_failures", definition={'type': 'number', 'minimum': 0, 'description': 'New swarm failure events since the previous sample (count of `swarm monitor --view failures` rows with a higher seq; absent on the first sample).'}, rule='type')
            if isinstance(data__newfailures, (int, float, Decimal)) and not isinstance(data__newfailures, bool):
                if data__newfailures < 0:
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".new_failures must be bigger than or equal to 0", value=data__newfailures, name="" + (name_prefix or "data") + ".new_failures", definition={'type': 'number', 'minimum': 0, 'description': 'New swarm failure events since the previous sample (count of `swarm monitor --view failures` rows with a higher seq; absent on the first sample).'}, rule='minimum')
        for data_key in data_keys:
            if data_key not in ['error_rate', 'lock_contention_rate', 'agents_total', 'agents_failed', 'agent_completion_rate', 'throughput', 'new_failures']:
                data_value = data.get(data_key)
                if not isinstance(data_value, (int, float, Decimal)) or isinstance(data_value, bool):
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".{data_key}".format(**locals()) + " must be number", value=data_value, name="" + (name_prefix or "data") + ".{data_key}".format(**locals()) + "", definition={'type': 'number', 'description': 'Any other metric (double).'}, rule='type')
        data_len = len(data)
        if data_len != 0:
            data_property_names = True
            for data_key in data:
                try:
                    if not isinstance(data_key, (str)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + " must be string", value=data_key, name="" + (name_prefix or "data") + "", definition={'type': 'string', 'pattern': '^[A-Za-z_][A-Za-z0-9_-]*$(?!\\n)'}, rule='type')
                    if isinstance(data_key, str):
                        if not _PATTERNS_baseline['^[A-Za-z_][A-Za-z0-9_-]*$(?!\\n)'].search(data_key):
                            raise JsonSchemaValueException("" + (name_prefix or "data") + " must match pattern ^[A-Za-z_][A-Za-z0-9_-]*$(?!\\n)", value=data_key, name="" + (name_prefix or "data") + "", definition={'type': 'string', 'pattern': '^[A-Za-z_][A-Za-z0-9_-]*$(?!\\n)'}, rule='pattern')
                except (JsonSchemaValueException, JsonSchemaValuesException):
                    data_property_names = False
            if not data_property_names:
                raise JsonSchemaValueException("" + (name_prefix or "data") + " must be named by propertyName definition", value=data, name="" + (name_prefix or "data") + "", definition={'type': 'object', 'propertyNames': {'type': 'string', 'pattern': '^[A-Za-z_][A-Za-z0-9_-]*$(?!\\n)'}, 'additionalProperties': {'type': 'number', 'description': 'Any other metric (double).'}, 'properties': {'error_rate': {'type': 'number', 'minimum': 0, 'maximum': 1, 'description': 'Share of failed operator commands in the window (ratio 0..1).'}, 'lock_contention_rate': {'type': 'number', 'minimum': 0, 'maximum': 1, 'description': 'Share of commands that hit lock contention (ratio 0..1).'}, 'agents_total': {'type': 'integer', 'minimum': 0, 'description': 'Swarm agents known (count).'}, 'agents_failed': {'type': 'integer', 'minimum': 0, 'description': 'Swarm agents in error (count).'}, 'agent_completion_rate': {'type': 'number', 'minimum': 0, 'maximum': 1, 'description': 'Share of agent runs that completed (ratio 0..1).'}, 'throughput': {'type': 'number', 'minimum': 0, 'description': 'Beads closed per hour (beads/h).'}, 'new_failures': {'type': 'number', 'minimum': 0, 'description': 'New swarm failure events since the previous sample (count of `swarm monitor --view failures` rows with a higher seq; absent on the first sample).'}}, 'description': 'The same measurements taken on the last known-good release.', '$id': 'https://phasegate.dev/facts/baseline'}, rule='propertyNames')
    return data
def validate_https___phasegate_dev_facts_incidents(data, custom_formats={}, name_prefix=None):
    if not isinstance(data, (list, tuple)):
        raise JsonSchemaValueException("" + (name_prefix or "data") + " must be array", value=data, name="" + (name_prefix or "data") + "", definition={'type': 'array', 'description': 'Incidents attributed to this rollout.', 'items': {'type': 'object', 'additionalProperties': False, 'required': ['id', 'severity', 'status'], 'properties': {'id': {'type': 'string', 'minLength': 1, 'description': 'Incident id.'}, 'severity': {'enum': ['P0', 'P1', 'P2', 'P3', 'P4'], 'description': 'P0 most severe.'}, 'status': {'enum': ['open', 'mitigated', 'resolved'], 'description': 'Incident status.'}, 'title': {'type': 'string', 'description': 'Short description.'}}}, '$id': 'https://phasegate.dev/facts/incidents'}, rule='type')
    data_is_list = isinstance(data, (list, tuple))
    if data_is_list:
        data_len = len(data)
        for data_x, data_item in enumerate(data):
            if not isinstance(data_item, (dict)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + "[{data_x}]".format(**locals()) + " must be object", value=data_item, name="" + (name_prefix or "data") + "[{data_x}]".format(**locals()) + "", definition={'type': 'object', 'additionalProperties': False, 'required': ['id', 'severity', 'status'], 'properties': {'id': {'type': 'string', 'minLength': 1, 'description': 'Incident id.'}, 'severity': {'enum': ['P0', 'P1', 'P2', 'P3', 'P4'], 'description': 'P0 most severe.'}, 'status': {'enum': ['open', 'mitigated', 'resolved'], 'description': 'Incident status.'}, 'title': {'type': 'string', 'description': 'Short description.'}}}, rule='type')
            data_item_is_dict = isinstance(data_item, dict)
            if data_item_is_dict:
                data_item__missing_keys = set(['id', 'severity', 'status']) - data_item.keys()
                if data_item__missing_keys:
                    raise JsonSchemaValueException("" + (name_prefix or "data") + "[{data_x}]".format(**locals()) + " must contain " + (str(sorted(data_item__missing_keys)) + " properties"), value=data_item, name="" + (name_prefix or "data") + "[{data_x}]".format(**locals()) + "", definition={'type': 'object', 'additionalProperties': False, 'required': ['id', 'severity', 'status'], 'properties': {'id': {'type': 'string', 'minLength': 1, 'description': 'Incident id.'}, 'severity': {'enum': ['P0', 'P1', 'P2', 'P3', 'P4'], 'description': 'P0 most severe.'}, 'status': {'enum': ['open', 'mitigated', 'resolved'], 'description': 'Incident status.'}, 'title': {'type': 'string', 'description': 'Short description.'}}}, rule='required')
                data_item_keys = set(data_item.keys())
                if "id" in data_item_keys:
                    data_item_keys.remove("id")
                    data_item__id = data_item["id"]
                    if not isinstance(data_item__id, (str)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + "[{data_x}].id".format(**locals()) + " must be string", value=data_item__id, name="" + (name_prefix or "data") + "[{data_x}].id".format(**locals()) + "", definition={'type': 'string', 'minLength': 1, 'description': 'Incident id.'}, rule='type')
                    if isinstance(data_item__id, str):
                        data_item__id_len = len(data_item__id)
                        if data_item__id_len < 1:
                            raise JsonSchemaValueException("" + (name_prefix or "data") + "[{data_x}].id".format(**locals()) + " must be longer than or equal to 1 characters", value=data_item__id, name="" + (name_prefix or "data") + "[{data_x}].id".format(**locals()) + "", definition={'type': 'string', 'minLength': 1, 'description': 'Incident id.'}, rule='minLength')
                if "severity" in data_item_keys:
                    data_item_keys.remove("severity")
                    data_item__severity = data_item["severity"]
                    if not (isinstance(data_item__severity, str) and data_item__severity == 'P0' or isinstance(data_item__severity, str) and data_item__severity == 'P1' or isinstance(data_item__severity, str) and data_item__severity == 'P2' or isinstance(data_item__severity, str) and data_item__severity == 'P3' or isinstance(data_item__severity, str) and data_item__severity == 'P4'):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + "[{data_x}].severity".format(**locals()) + " must be one of ['P0', 'P1', 'P2', 'P3', 'P4']", value=data_item__severity, name="" + (name_prefix or "data") + "[{data_x}].severity".format(**locals()) + "", definition={'enum': ['P0', 'P1', 'P2', 'P3', 'P4'], 'description': 'P0 most severe.'}, rule='enum')
                if "status" in data_item_keys:
                    data_item_keys.remove("status")
                    data_item__status = data_item["status"]
                    if not (isinstance(data_item__status, str) and data_item__status == 'open' or isinstance(data_item__status, str) and data_item__status == 'mitigated' or isinstance(data_item__status, str) and data_item__status == 'resolved'):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + "[{data_x}].status".format(**locals()) + " must be one of ['open', 'mitigated', 'resolved']", value=data_item__status, name="" + (name_prefix or "data") + "[{data_x}].status".format(**locals()) + "", definition={'enum': ['open', 'mitigated', 'resolved'], 'description': 'Incident status.'}, rule='enum')
                if "title" in data_item_keys:
                    data_item_keys.remove("title")
                    data_item__title = data_item["title"]
                    if not isinstance(data_item__title, (str)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + "[{data_x}].title".format(**locals()) + " must be string", value=data_item__title, name="" + (name_prefix or "data") + "[{data_x}].title".format(**locals()) + "", definition={'type': 'string', 'description': 'Short description.'}, rule='type')
                if data_item_keys:
                    raise JsonSchemaValueException("" + (name_prefix or "data") + "[{data_x}]".format(**locals()) + " must not contain "+str(data_item_keys)+" properties", value=data_item, name="" + (name_prefix or "data") + "[{data_x}]".format(**locals()) + "", definition={'type': 'object', 'additionalProperties': False, 'required': ['id', 'severity', 'status'], 'properties': {'id': {'type': 'string', 'minLength': 1, 'description': 'Incident id.'}, 'severity': {'enum': ['P0', 'P1', 'P2', 'P3', 'P4'], 'description': 'P0 most severe.'}, 'status': {'enum': ['open', 'mitigated', 'resolved'], 'description': 'Incident status.'}, 'title': {'type': 'string', 'description': 'Short description.'}}}, rule='additionalProperties')
    return data
def validate_https___phasegate_dev_facts_contract(data, custom_formats={}, name_prefix=None):
    if not isinstance(data, (dict)):
        raise JsonSchemaValueException("" + (name_prefix or "data") + " must be object", value=data, name="" + (name_prefix or "data") + "", definition={'type': 'object', 'additionalProperties': False, 'description': 'Command contract checks of zjj and swarm JSON output.', 'properties': {'drift': {'type': 'array', 'items': {'type': 'string'}, 'description': 'Commands whose --json output shape drifted from the recorded baseline.'}, 'nondeterministic_exits': {'type': 'array', 'items': {'type': 'string'}, 'description': 'Commands whose exit code varied across identical runs.'}}, '$id': 'https://phasegate.dev/facts/contract'}, rule='type')
    data_is_dict = isinstance(data, dict)
    if data_is_dict:
        data_keys = set(data.keys())
        if "drift" in data_keys:
            data_keys.remove("drift")
            data__drift = data["drift"]
            if not isinstance(data__drift, (list, tuple)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".drift must be array", value=data__drift, name="" + (name_prefix or "data") + ".drift", definition={'type': 'array', 'items': {'type': 'string'}, 'description': 'Commands whose --json output shape drifted from the recorded baseline.'}, rule='type')
            data__drift_is_list = isinstance(data__drift, (list, tuple))
            if data__drift_is_list:
                data__drift_len = len(data__drift)
                for data__drift_x, data__drift_item in enumerate(data__drift):
                    if not isinstance(data__drift_item, (str)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".drift[{data__drift_x}]".format(**locals()) + " must be string", value=data__drift_item, name="" + (name_prefix or "data") + ".drift[{data__drift_x}]".format(**locals()) + "", definition={'type': 'string'}, rule='type')
        if "nondeterministic_exits" in data_keys:
            data_keys.remove("nondeterministic_exits")
            data__nondeterministicexits = data["nondeterministic_exits"]
            if not isinstance(data__nondeterministicexits, (list, tuple)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".nondeterministic_exits must be array", value=data__nondeterministicexits, name="" + (name_prefix or "data") + ".nondeterministic_exits", definition={'type': 'array', 'items': {'type': 'string'}, 'description': 'Commands whose exit code varied across identical runs.'}, rule='type')
            data__nondeterministicexits_is_list = isinstance(data__nondeterministicexits, (list, tuple))
            if data__nondeterministicexits_is_list:
                data__nondeterministicexits_len = len(data__nondeterministicexits)
                for data__nondeterministicexits_x, data__nondeterministicexits_item in enumerate(data__nondeterministicexits):
                    if not isinstance(data__nondeterministicexits_item, (str)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".nondeterministic_exits[{data__nondeterministicexits_x}]".format(**locals()) + " must be string", value=data__nondeterministicexits_item, name="" + (name_prefix or "data") + ".nondeterministic_exits[{data__nondeterministicexits_x}]".format(**locals()) + "", definition={'type': 'string'}, rule='type')
        if data_keys:
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must not contain "+str(data_keys)+" properties", value=data, name="" + (name_prefix or "data") + "", definition={'type': 'object', 'additionalProperties': False, 'description': 'Command contract checks of zjj and swarm JSON output.', 'properties': {'drift': {'type': 'array', 'items': {'type': 'string'}, 'description': 'Commands whose --json output shape drifted from the recorded baseline.'}, 'nondeterministic_exits': {'type': 'array', 'items': {'type': 'string'}, 'description': 'Commands whose exit code varied across identical runs.'}}, '$id': 'https://phasegate.dev/facts/contract'}, rule='additionalProperties')
    return data
def validate_https___phasegate_dev_facts_state(data, custom_formats={}, name_prefix=None):
    if not isinstance(data, (dict)):
        raise JsonSchemaValueException("" + (name_prefix or "data") + " must be object", value=data, name="" + (name_prefix or "data") + "", definition={'type': 'object', 'additionalProperties': False, 'description': 'Workspace and session state health from `zjj doctor`.', 'properties': {'corruption_indicators': {'type': 'integer', 'minimum': 0, 'description': 'Count of integrity failures plus workspace corruption findings (count).'}, 'db_integrity_ok': {'type': 'boolean', 'description': 'State database passed PRAGMA integrity_check.'}}, '$id': 'https://phasegate.dev/facts/state'}, rule='type')
    data_is_dict = isinstance(data, dict)
    if data_is_dict:
        data_keys = set(data.keys())
        if "corruption_indicators" in data_keys:
            data_keys.remove("corruption_indicators")
            data__corruptionindicators = data["corruption_indicators"]
            if not isinstance(data__corruptionindicators, (int)) and not (isinstance(data__corruptionindicators, float) and data__corruptionindicators.is_integer()) or isinstance(data__corruptionindicators, bool):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".corruption_indicators must be integer", value=data__corruptionindicators, name="" + (name_prefix or "data") + ".corruption_indicators", definition={'type': 'integer', 'minimum': 0, 'description': 'Count of integrity failures plus workspace corruption findings (count).'}, rule='type')
            if isinstance(data__corruptionindicators, (int, float, Decimal)) and not isinstance(data__corruptionindicators, bool):
                if data__corruptionindicators < 0:
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".corruption_indicators must be bigger than or equal to 0", value=data__corruptionindicators, name="" + (name_prefix or "data") + ".corruption_indicators", definition={'type': 'integer', 'minimum': 0, 'description': 'Count of integrity failures plus workspace corruption findings (count).'}, rule='minimum')
        if "db_integrity_ok" in data_keys:
            data_keys.remove("db_integrity_ok")
            data__dbintegrityok = data["db_integrity_ok"]
            if not isinstance(data__dbintegrityok, (bool)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".db_integrity_ok must be boolean", value=data__dbintegrityok, name="" + (name_prefix or "data") + ".db_integrity_ok", definition={'type': 'boolean', 'description': 'State database passed PRAGMA integrity_check.'}, rule='type')
        if data_keys:
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must not contain "+str(data_keys)+" properties", value=data, name="" + (name_prefix or "data") + "", definition={'type': 'object', 'additionalProperties': False, 'description': 'Workspace and session state health from `zjj doctor`.', 'properties': {'corruption_indicators': {'type': 'integer', 'minimum': 0, 'description': 'Count of integrity failures plus workspace corruption findings (count).'}, 'db_integrity_ok': {'type': 'boolean', 'description': 'State database passed PRAGMA integrity_check.'}}, '$id': 'https://phasegate.dev/facts/state'}, rule='additionalProperties')
    return data
def validate_https___phasegate_dev_facts_freeze(data, custom_formats={}, name_prefix=None):
    if not isinstance(data, (dict)):
        raise JsonSchemaValueException("" + (name_prefix or "data") + " must be object", value=data, name="" + (name_prefix or "data") + "", definition={'type': 'object', 'additionalProperties': False, 'required': ['active'], 'description': 'Deployment freeze; absent means not frozen.', 'properties': {'active': {'type': 'boolean', 'description': 'Whether new deployments are frozen.'}, 'reason': {'type': 'string', 'description': 'Why.'}, 'since': {'type': 'string', 'format': 'date-time', 'description': 'Since when (RFC 3339).'}}, '$id': 'https://phasegate.dev/facts/freeze'}, rule='type')
    data_is_dict = isinstance(data, dict)
    if data_is_dict:
        data__missing_keys = set(['active']) - data.keys()
        if data__missing_keys:
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must contain " + (str(sorted(data__missing_keys)) + " properties"), value=data, name="" + (name_prefix or "data") + "", definition={'type': 'object', 'additionalProperties': False, 'required': ['active'], 'description': 'Deployment freeze; absent means not frozen.', 'properties': {'active': {'type': 'boolean', 'description': 'Whether new deployments are frozen.'}, 'reason': {'type': 'string', 'description': 'Why.'}, 'since': {'type': 'string', 'format': 'date-time', 'description': 'Since when (RFC 3339).'}}, '$id': 'https://phasegate.dev/facts/freeze'}, rule='required')
        data_keys = set(data.keys())
        if "active" in data_keys:
            data_keys.remove("active")
            data__active = data["active"]
            if not isinstance(data__active, (bool)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".active must be boolean", value=data__active, name="" + (name_prefix or "data") + ".active", definition={'type': 'boolean', 'description': 'Whether new deployments are frozen.'}, rule='type')
        if "reason" in data_keys:
            data_keys.remove("reason")
            data__reason = data["reason"]
            if not isinstance(data__reason, (str)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".reason must be string", value=data__reason, name="" + (name_prefix or "data") + ".reason", definition={'type': 'string', 'description': 'Why.'}, rule='type')
        if "since" in data_keys:
            data_keys.remove("since")
            data__since = data["since"]
            if not isinstance(data__since, (str)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".since must be string", value=data__since, name="" + (name_prefix or "data") + ".since", definition={'type': 'string', 'format': 'date-time', 'description': 'Since when (RFC 3339).'}, rule='type')
            if isinstance(data__since, str):
                if not custom_formats["date-time"](data__since):
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".since must be date-time", value=data__since, name="" + (name_prefix or "data") + ".since", definition={'type': 'string', 'format': 'date-time', 'description': 'Since when (RFC 3339).'}, rule='format')
        if data_keys:
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must not contain "+str(data_keys)+" properties", value=data, name="" + (name_prefix or "data") + "", definition={'type': 'object', 'additionalProperties': False, 'required': ['active'], 'description': 'Deployment freeze; absent means not frozen.', 'properties': {'active': {'type': 'boolean', 'description': 'Whether new deployments are frozen.'}, 'reason': {'type': 'string', 'description': 'Why.'}, 'since': {'type': 'string', 'format': 'date-time', 'description': 'Since when (RFC 3339).'}}, '$id': 'https://phasegate.dev/facts/freeze'}, rule='additionalProperties')
    return data
_PATTERNS_rollout = {
    '\\S': re.compile('\\S')
}


def validate_https___phasegate_dev_facts_rollout(data, custom_formats={}, name_prefix=None):
    if not isinstance(data, (dict)):
        raise JsonSchemaValueException("" + (name_prefix or "data") + " must be object", value=data, name="" + (name_prefix or "data") + "", definition={'type': 'object', 'additionalProperties': False, 'description': "Where this change stands in its rollout, derived by `collect` from the state dir's decision log (absent: the log could not be read, so the phase order is unknown). Only `progression_override` can be given with `--set`.", 'properties': {'state': {'enum': ['rolling_out', 'rolled_back', 'closed'], 'description': 'rolled_back once `run` applied and verified a rollback of this change (commit), until `phasegate resume --reason` or a new commit; closed once `phasegate closeout` wrote its record; rolling_out otherwise.'}, 'closed_at': {'type': 'string', 'format': 'date-time', 'description': "When the change's rollout was closed (the last Phase 2 decision `closeout` judged), while state is closed."}, 'rolled_back_at': {'type': 'string', 'format': 'date-time', 'description': 'When the rollback of this change was decided (RFC 3339), while state is rolled_back.'}, 'resumed_at': {'type': 'string', 'format': 'date-time', 'description': 'When `phasegate resume` last resumed this change after a rollback (RFC 3339).'}, 'rollback_decided_at': {'type': 'string', 'format': 'date-time', 'description': 'When a Phase 1 or 2 rollback of this change was first decided (collected_at of that decision), while no verified deploy of the last known-good build (`rolled_back`) has ended it: the rollback is still owed, whatever later snapshots say.'}, 'previous_phase_continue_at': {'type': 'string', 'format': 'date-time', 'description': 'collected_at of the latest recorded continue of this change in Phase N-1 (since its last rollback or resume); absent when there is none: Phase N may not start.'}, 'previous_phase_started_at': {'type': 'string', 'format': 'date-time', 'description': "phase_started_at of that continue: the continue must come at least the previous phase's window after it."}, 'phase_stable_since': {'type': 'string', 'format': 'date-time', 'description': "collected_at of the latest decision of this change in this phase (since its last rollback or resume) that was not clean: anything but a `window.*` wait or a phase not yet earned held it (an elevated metric, even one `--allow-pause` passed; a hold; an error; a rollback). The phase's stable window starts over there; absent when there is none. `phasegate merge` keeps the latest any operator gives, or leaves it unknown when an operator neither gives it nor lists it in `tracked`."}, 'previous_phase_stable_since': {'type': 'string', 'format': 'date-time', 'description': 'The same for Phase N-1: its continue must come at least its window after the later of previous_phase_started_at and this.'}, 'tracked': {'type': 'array', 'items': {'type': 'string', 'minLength': 1}, 'uniqueItems': True, 'description': "Written by `collect` with the rollout facts it derived from the decision log (`phase_stable_since`, `previous_phase_stable_since`, `sample_gap_seconds`; a later phasegate may list more): the optional facts listed are given whenever there is one, so their absence means none. `phasegate merge` needs each of them, or its name here, from every operator once any operator gives either: an operator without (an older phasegate, a hand-written document) may hide a restart of a window or a gap between samples, so the cohort's is unknown and the rule reading it holds."}, 'environment': {'enum': ['ci', 'operator'], 'description': "Where these facts were collected: `ci` under a CI system (CI, GITHUB_ACTIONS, ... set), else `operator`; `PHASEGATE_ENVIRONMENT=ci|operator` says it outright. Recorded with each decision: Phase 1 needs a Phase 0 continue from each environment in the rollout policy's `phase0_environments`."}, 'previous_phase_environments': {'type': 'array', 'items': {'enum': ['ci', 'operator']}, 'uniqueItems': True, 'description': 'The environments that recorded a continue of this change in Phase N-1 (since its last rollback or resume).'}, 'sample_gap_seconds': {'type': 'number', 'minimum': 0, 'description': 'Phase 2: the longest stretch without a sample (decision) of this change during the first hour after phase_started_at, from that start to the first sample and between samples, this one included; absent before the first sample. `phasegate merge` keeps the longest any operator gives, or leaves it unknown when an operator neither gives it nor lists it in `tracked`.'}, 'progression_override': {'type': 'string', 'pattern': '\\S', 'description': 'Why the phase order is skipped for this run (`--set rollout.progression_override=REASON`; a reason is required). Recorded in the decision line.'}}, '$id': 'https://phasegate.dev/facts/rollout'}, rule='type')
    data_is_dict = isinstance(data, dict)
    if data_is_dict:
        data_keys = set(data.keys())
        if "state" in data_keys:
            data_keys.remove("state")
            data__state = data["state"]
            if not (isinstance(data__state, str) and data__state == 'rolling_out' or isinstance(data__state, str) and data__state == 'rolled_back' or isinstance(data__state, str) and data__state == 'closed'):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".state must be one of ['rolling_out', 'rolled_back', 'closed']", value=data__state, name="" + (name_prefix or "data") + ".state", definition={'enum': ['rolling_out', 'rolled_back', 'closed'], 'description': 'rolled_back once `run` applied and verified a rollback of this change (commit), until `phasegate resume --reason` or a new commit; closed once `phasegate closeout` wrote its record; rolling_out otherwise.'}, rule='enum')
        if "closed_at" in data_keys:
            data_keys.remove("closed_at")
            data__closedat = data["closed_at"]
            if not isinstance(data__closedat, (str)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".closed_at must be string", value=data__closedat, name="" + (name_prefix or "data") + ".closed_at", definition={'type': 'string', 'format': 'date-time', 'description': "When the change's rollout was closed (the last Phase 2 decision `closeout` judged), while state is closed."}, rule='type')
            if isinstance(data__closedat, str):
                if not custom_formats["date-time"](data__closedat):
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".closed_at must be date-time", value=data__closedat, name="" + (name_prefix or "data") + ".closed_at", definition={'type': 'string', 'format': 'date-time', 'description': "When the change's rollout was closed (the last Phase 2 decision `closeout` judged), while state is closed."}, rule='format')
        if "rolled_back_at" in data_keys:
            data_keys.remove("rolled_back_at")
            data__rolledbackat = data["rolled_back_at"]
            if not isinstance(data__rolledbackat, (str)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".rolled_back_at must be string", value=data__rolledbackat, name="" + (name_prefix or "data") + ".rolled_back_at", definition={'type': 'string', 'format': 'date-time', 'description': 'When the rollback of this change was decided (RFC 3339), while state is rolled_back.'}, rule='type')
            if isinstance(data__rolledbackat, str):
                if not custom_formats["date-time"](data__rolledbackat):
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".rolled_back_at must be date-time", value=data__rolledbackat, name="" + (name_prefix or "data") + ".rolled_back_at", definition={'type': 'string', 'format': 'date-time', 'description': 'When the rollback of this change was decided (RFC 3339), while state is rolled_back.'}, rule='format')
        if "resumed_at" in data_keys:
            data_keys.remove("resumed_at")
            data__resumedat = data["resumed_at"]
            if not isinstance(data__resumedat, (str)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".resumed_at must be string", value=data__resumedat, name="" + (name_prefix or "data") + ".resumed_at", definition={'type': 'string', 'format': 'date-time', 'description': 'When `phasegate resume` last resumed this change after a rollback (RFC 3339).'}, rule='type')
            if isinstance(data__resumedat, str):
                if not custom_formats["date-time"](data__resumedat):
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".resumed_at must be date-time", value=data__resumedat, name="" + (name_prefix or "data") + ".resumed_at", definition={'type': 'string', 'format': 'date-time', 'description': 'When `phasegate resume` last resumed this change after a rollback (RFC 3339).'}, rule='format')
        if "rollback_decided_at" in data_keys:
            data_keys.remove("rollback_decided_at")
            data__rollbackdecidedat = data["rollback_decided_at"]
            if not isinstance(data__rollbackdecidedat, (str)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".rollback_decided_at must be string", value=data__rollbackdecidedat, name="" + (name_prefix or "data") + ".rollback_decided_at", definition={'type': 'string', 'format': 'date-time', 'description': 'When a Phase 1 or 2 rollback of this change was first decided (collected_at of that decision), while no verified deploy of the last known-good build (`rolled_back`) has ended it: the rollback is still owed, whatever later snapshots say.'}, rule='type')
            if isinstance(data__rollbackdecidedat, str):
                if not custom_formats["date-time"](data__rollbackdecidedat):
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".rollback_decided_at must be date-time", value=data__rollbackdecidedat, name="" + (name_prefix or "data") + ".rollback_decided_at", definition={'type': 'string', 'format': 'date-time', 'description': 'When a Phase 1 or 2 rollback of this change was first decided (collected_at of that decision), while no verified deploy of the last known-good build (`rolled_back`) has ended it: the rollback is still owed, whatever later snapshots say.'}, rule='format')
        if "previous_phase_continue_at" in data_keys:
            data_keys.remove("previous_phase_continue_at")
            data__previousphasecontinueat = data["previous_phase_continue_at"]
            if not isinstance(data__previousphasecontinueat, (str)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".previous_phase_continue_at must be string", value=data__previousphasecontinueat, name="" + (name_prefix or "data") + ".previous_phase_continue_at", definition={'type': 'string', 'format': 'date-time', 'description': 'collected_at of the latest recorded continue of this change in Phase N-1 (since its last rollback or resume); absent when there is none: Phase N may not start.'}, rule='type')
            if isinstance(data__previousphasecontinueat, str):
                if not custom_formats["date-time"](data__previousphasecontinueat):
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".previous_phase_continue_at must be date-time", value=data__previousphasecontinueat, name="" + (name_prefix or "data") + ".previous_phase_continue_at", definition={'type': 'string', 'format': 'date-time', 'description': 'collected_at of the latest recorded continue of this change in Phase N-1 (since its last rollback or resume); absent when there is none: Phase N may not start.'}, rule='format')
        if "previous_phase_started_at" in data_keys:
            data_keys.remove("previous_phase_started_at")
            data__previousphasestartedat = data["previous_phase_started_at"]
            if not isinstance(data__previousphasestartedat, (str)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".previous_phase_started_at must be string", value=data__previousphasestartedat, name="" + (name_prefix or "data") + ".previous_phase_started_at", definition={'type': 'string', 'format': 'date-time', 'description': "phase_started_at of that continue: the continue must come at least the previous phase's window after it."}, rule='type')
            if isinstance(data__previousphasestartedat, str):
                if not custom_formats["date-time"](data__previousphasestartedat):
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".previous_phase_started_at must be date-time", value=data__previousphasestartedat, name="" + (name_prefix or "data") + ".previous_phase_started_at", definition={'type': 'string', 'format': 'date-time', 'description': "phase_started_at of that continue: the continue must come at least the previous phase's window after it."}, rule='format')
        if "phase_stable_since" in data_keys:
            data_keys.remove("phase_stable_since")
            data__phasestablesince = data["phase_stable_since"]
            if not isinstance(data__phasestablesince, (str)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".phase_stable_since must be string", value=data__phasestablesince, name="" + (name_prefix or "data") + ".phase_stable_since", definition={'type': 'string', 'format': 'date-time', 'description': "collected_at of the latest decision of this change in this phase (since its last rollback or resume) that was not clean: anything but a `window.*` wait or a phase not yet earned held it (an elevated metric, even one `--allow-pause` passed; a hold; an error; a rollback). The phase's stable window starts over there; absent when there is none. `phasegate merge` keeps the latest any operator gives, or leaves it unknown when an operator neither gives it nor lists it in `tracked`."}, rule='type')
            if isinstance(data__phasestablesince, str):
                if not custom_formats["date-time"](data__phasestablesince):
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".phase_stable_since must be date-time", value=data__phasestablesince, name="" + (name_prefix or "data") + ".phase_stable_since", definition={'type': 'string', 'format': 'date-time', 'description': "collected_at of the latest decision of this change in this phase (since its last rollback or resume) that was not clean: anything but a `window.*` wait or a phase not yet earned held it (an elevated metric, even one `--allow-pause` passed; a hold; an error; a rollback). The phase's stable window starts over there; absent when there is none. `phasegate merge` keeps the latest any operator gives, or leaves it unknown when an operator neither gives it nor lists it in `tracked`."}, rule='format')
        if "previous_phase_stable_since" in data_keys:
            data_keys.remove("previous_phase_stable_since")
            data__previousphasestablesince = data["previous_phase_stable_since"]
            if not isinstance(data__previousphasestablesince, (str)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".previous_phase_stable_since must be string", value=data__previousphasestablesince, name="" + (name_prefix or "data") + ".previous_phase_stable_since", definition={'type': 'string', 'format': 'date-time', 'description': 'The same for Phase N-1: its continue must come at least its window after the later of previous_phase_started_at and this.'}, rule='type')
            if isinstance(data__previousphasestablesince, str):
                if not custom_formats["date-time"](data__previousphasestablesince):
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".previous_phase_stable_since must be date-time", value=data__previousphasestablesince, name="" + (name_prefix or "data") + ".previous_phase_stable_since", definition={'type': 'string', 'format': 'date-time', 'description': 'The same for Phase N-1: its continue must come at least its window after the later of previous_phase_started_at and this.'}, rule='format')
        if "tracked" in data_keys:
            data_keys.remove("tracked")
            data__tracked = data["tracked"]
            if not isinstance(data__tracked, (list, tuple)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".tracked must be array", value=data__tracked, name="" + (name_prefix or "data") + ".tracked", definition={'type': 'array', 'items': {'type': 'string', 'minLength': 1}, 'uniqueItems': True, 'description': "Written by `collect` with the rollout facts it derived from the decision log (`phase_stable_since`, `previous_phase_stable_since`, `sample_gap_seconds`; a later phasegate may list more): the optional facts listed are given whenever there is one, so their absence means none. `phasegate merge` needs each of them, or its name here, from every operator once any operator gives either: an operator without (an older phasegate, a hand-written document) may hide a restart of a window or a gap between samples, so the cohort's is unknown and the rule reading it holds."}, rule='type')
            data__tracked_is_list = isinstance(data__tracked, (list, tuple))
            if data__tracked_is_list:
                def fn(var): return frozenset(dict((k, fn(v)) for k, v in var.items()).items()) if hasattr(var, "items") else tuple(fn(v) for v in var) if isinstance(var, (dict, list)) else (bool, var) if isinstance(var, bool) else var
                data__tracked_len = len(data__tracked)
                if data__tracked_len > len(set(fn(data__tracked_x) for data__tracked_x in data__tracked)):
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".tracked must contain unique items", value=data__tracked, name="" + (name_prefix or "data") + ".tracked", definition={'type': 'array', 'items': {'type': 'string', 'minLength': 1}, 'uniqueItems': True, 'description': "Written by `collect` with the rollout facts it derived from the decision log (`phase_stable_since`, `previous_phase_stable_since`, `sample_gap_seconds`; a later phasegate may list more): the optional facts listed are given whenever there is one, so their absence means none. `phasegate merge` needs each of them, or its name here, from every operator once any operator gives either: an operator without (an older phasegate, a hand-written document) may hide a restart of a window or a gap between samples, so the cohort's is unknown and the rule reading it holds."}, rule='uniqueItems')
                for data__tracked_x, data__tracked_item in enumerate(data__tracked):
                    if not isinstance(data__tracked_item, (str)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".tracked[{data__tracked_x}]".format(**locals()) + " must be string", value=data__tracked_item, name="" + (name_prefix or "data") + ".tracked[{data__tracked_x}]".format(**locals()) + "", definition={'type': 'string', 'minLength': 1}, rule='type')
                    if isinstance(data__tracked_item, str):
                        data__tracked_item_len = len(data__tracked_item)
                        if data__tracked_item_len < 1:
                            raise JsonSchemaValueException("" + (name_prefix or "data") + ".tracked[{data__tracked_x}]".format(**locals()) + " must be longer than or equal to 1 characters", value=data__tracked_item, name="" + (name_prefix or "data") + ".tracked[{data__tracked_x}]".format(**locals()) + "", definition={'type': 'string', 'minLength': 1}, rule='minLength')
        if "environment" in data_keys:
            data_keys.remove("environment")
            data__environment = data["environment"]
            if not (isinstance(data__environment, str) and data__environment == 'ci' or isinstance(data__environment, str) and data__environment == 'operator'):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".environment must be one of ['ci', 'operator']", value=data__environment, name="" + (name_prefix or "data") + ".environment", definition={'enum': ['ci', 'operator'], 'description': "Where these facts were collected: `ci` under a CI system (CI, GITHUB_ACTIONS, ... set), else `operator`; `PHASEGATE_ENVIRONMENT=ci|operator` says it outright. Recorded with each decision: Phase 1 needs a Phase 0 continue from each environment in the rollout policy's `phase0_environments`."}, rule='enum')
        if "previous_phase_environments" in data_keys:
            data_keys.remove("previous_phase_environments")
            data__previousphaseenvironments = data["previous_phase_environments"]
            if not isinstance(data__previousphaseenvironments, (list, tuple)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".previous_phase_environments must be array", value=data__previousphaseenvironments, name="" + (name_prefix or "data") + ".previous_phase_environments", definition={'type': 'array', 'items': {'enum': ['ci', 'operator']}, 'uniqueItems': True, 'description': 'The environments that recorded a continue of this change in Phase N-1 (since its last rollback or resume).'}, rule='type')
            data__previousphaseenvironments_is_list = isinstance(data__previousphaseenvironments, (list, tuple))
            if data__previousphaseenvironments_is_list:
                def fn(var): return frozenset(dict((k, fn(v)) for k, v in var.items()).items()) if hasattr(var, "items") else tuple(fn(v) for v in var) if isinstance(var, (dict, list)) else (bool, var) if isinstance(var, bool) else var
                data__previousphaseenvironments_len = len(data__previousphaseenvironments)
                if data__previousphaseenvironments_len > len(set(fn(data__previousphaseenvironments_x) for data__previousphaseenvironments_x in data__previousphaseenvironments)):
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".previous_phase_environments must contain unique items", value=data__previousphaseenvironments, name="" + (name_prefix or "data") + ".previous_phase_environments", definition={'type': 'array', 'items': {'enum': ['ci', 'operator']}, 'uniqueItems': True, 'description': 'The environments that recorded a continue of this change in Phase N-1 (since its last rollback or resume).'}, rule='uniqueItems')
                for data__previousphaseenvironments_x, data__previousphaseenvironments_item in enumerate(data__previousphaseenvironments):
                    if not (isinstance(data__previousphaseenvironments_item, str) and data__previousphaseenvironments_item == 'ci' or isinstance(data__previousphaseenvironments_item, str) and data__previousphaseenvironments_item == 'operator'):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".previous_phase_environments[{data__previousphaseenvironments_x}]".format(**locals()) + " must be one of ['ci', 'operator']", value=data__previousphaseenvironments_item, name="" + (name_prefix or "data") + ".previous_phase_environments[{data__previousphaseenvironments_x}]".format(**locals()) + "", definition={'enum': ['ci', 'operator']}, rule='enum')
        if "sample_gap_seconds" in data_keys:
            data_keys.remove("sample_gap_seconds")
            data__samplegapseconds = data["sample_gap_seconds"]
            if not isinstance(data__samplegapseconds, (int, float, Decimal)) or isinstance(data__samplegapseconds, bool):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".sample_gap_seconds must be number", value=data__samplegapseconds, name="" + (name_prefix or "data") + ".sample_gap_seconds", definition={'type': 'number', 'minimum': 0, 'description': 'Phase 2: the longest stretch without a sample (decision) of this change during the first hour after phase_started_at, from that start to the first sample and between samples, this one included; absent before the first sample. `phasegate merge` keeps the longest any operator gives, or leaves it unknown when an operator neither gives it nor lists it in `tracked`.'}, rule='type')
            if isinstance(data__samplegapseconds, (int, float, Decimal)) and not isinstance(data__samplegapseconds, bool):
                if data__samplegapseconds < 0:
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".sample_gap_seconds must be bigger than or equal to 0", value=data__samplegapseconds, name="" + (name_prefix or "data") + ".sample_gap_seconds", definition={'type': 'number', 'minimum': 0, 'description': 'Phase 2: the longest stretch without a sample (decision) of this change during the first hour after phase_started_at, from that start to the first sample and between samples, this one included; absent before the first sample. `phasegate merge` keeps the longest any operator gives, or leaves it unknown when an operator neither gives it nor lists it in `tracked`.'}, rule='minimum')
        if "progression_override" in data_keys:
            data_keys.remove("progression_override")
            data__progressionoverride = data["progression_override"]
            if not isinstance(data__progressionoverride, (str)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".progression_override must be string", value=data__progressionoverride, name="" + (name_prefix or "data") + ".progression_override", definition={'type': 'string', 'pattern': '\\S', 'description': 'Why the phase order is skipped for this run (`--set rollout.progression_override=REASON`; a reason is required). Recorded in the decision line.'}, rule='type')
            if isinstance(data__progressionoverride, str):
                if not _PATTERNS_rollout['\\S'].search(data__progressionoverride):
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".progression_override must match pattern \\S", value=data__progressionoverride, name="" + (name_prefix or "data") + ".progression_override", definition={'type': 'string', 'pattern': '\\S', 'description': 'Why the phase order is skipped for this run (`--set rollout.progression_override=REASON`; a reason is required). Recorded in the decision line.'}, rule='pattern')
        if data_keys:
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must not contain "+str(data_keys)+" properties", value=data, name="" + (name_prefix or "data") + "", definition={'type': 'object', 'additionalProperties': False, 'description': "Where this change stands in its rollout, derived by `collect` from the state dir's decision log (absent: the log could not be read, so the phase order is unknown). Only `progression_override` can be given with `--set`.", 'properties': {'state': {'enum': ['rolling_out', 'rolled_back', 'closed'], 'description': 'rolled_back once `run` applied and verified a rollback of this change (commit), until `phasegate resume --reason` or a new commit; closed once `phasegate closeout` wrote its record; rolling_out otherwise.'}, 'closed_at': {'type': 'string', 'format': 'date-time', 'description': "When the change's rollout was closed (the last Phase 2 decision `closeout` judged), while state is closed."}, 'rolled_back_at': {'type': 'string', 'format': 'date-time', 'description': 'When the rollback of this change was decided (RFC 3339), while state is rolled_back.'}, 'resumed_at': {'type': 'string', 'format': 'date-time', 'description': 'When `phasegate resume` last resumed this change after a rollback (RFC 3339).'}, 'rollback_decided_at': {'type': 'string', 'format': 'date-time', 'description': 'When a Phase 1 or 2 rollback of this change was first decided (collected_at of that decision), while no verified deploy of the last known-good build (`rolled_back`) has ended it: the rollback is still owed, whatever later snapshots say.'}, 'previous_phase_continue_at': {'type': 'string', 'format': 'date-time', 'description': 'collected_at of the latest recorded continue of this change in Phase N-1 (since its last rollback or resume); absent when there is none: Phase N may not start.'}, 'previous_phase_started_at': {'type': 'string', 'format': 'date-time', 'description': "phase_started_at of that continue: the continue must come at least the previous phase's window after it."}, 'phase_stable_since': {'type': 'string', 'format': 'date-time', 'description': "collected_at of the latest decision of this change in this phase (since its last rollback or resume) that was not clean: anything but a `window.*` wait or a phase not yet earned held it (an elevated metric, even one `--allow-pause` passed; a hold; an error; a rollback). The phase's stable window starts over there; absent when there is none. `phasegate merge` keeps the latest any operator gives, or leaves it unknown when an operator neither gives it nor lists it in `tracked`."}, 'previous_phase_stable_since': {'type': 'string', 'format': 'date-time', 'description': 'The same for Phase N-1: its continue must come at least its window after the later of previous_phase_started_at and this.'}, 'tracked': {'type': 'array', 'items': {'type': 'string', 'minLength': 1}, 'uniqueItems': True, 'description': "Written by `collect` with the rollout facts it derived from the decision log (`phase_stable_since`, `previous_phase_stable_since`, `sample_gap_seconds`; a later phasegate may list more): the optional facts listed are given whenever there is one, so their absence means none. `phasegate merge` needs each of them, or its name here, from every operator once any operator gives either: an operator without (an older phasegate, a hand-written document) may hide a restart of a window or a gap between samples, so the cohort's is unknown and the rule reading it holds."}, 'environment': {'enum': ['ci', 'operator'], 'description': "Where these facts were collected: `ci` under a CI system (CI, GITHUB_ACTIONS, ... set), else `operator`; `PHASEGATE_ENVIRONMENT=ci|operator` says it outright. Recorded with each decision: Phase 1 needs a Phase 0 continue from each environment in the rollout policy's `phase0_environments`."}, 'previous_phase_environments': {'type': 'array', 'items': {'enum': ['ci', 'operator']}, 'uniqueItems': True, 'description': 'The environments that recorded a continue of this change in Phase N-1 (since its last rollback or resume).'}, 'sample_gap_seconds': {'type': 'number', 'minimum': 0, 'description': 'Phase 2: the longest stretch without a sample (decision) of this change during the first hour after phase_started_at, from that start to the first sample and between samples, this one included; absent before the first sample. `phasegate merge` keeps the longest any operator gives, or leaves it unknown when an operator neither gives it nor lists it in `tracked`.'}, 'progression_override': {'type': 'string', 'pattern': '\\S', 'description': 'Why the phase order is skipped for this run (`--set rollout.progression_override=REASON`; a reason is required). Recorded in the decision line.'}}, '$id': 'https://phasegate.dev/facts/rollout'}, rule='additionalProperties')
    return data
def validate_https___phasegate_dev_facts_operator(data, custom_formats={}, name_prefix=None):
    if not isinstance(data, (str)):
        raise JsonSchemaValueException("" + (name_prefix or "data") + " must be string", value=data, name="" + (name_prefix or "data") + "", definition={'type': 'string', 'minLength': 1, 'description': 'Who collected these facts: an operator or runner id (`--set operator=NAME`). `phasegate merge` keys its per-operator summaries by it.', '$id': 'https://phasegate.dev/facts/operator'}, rule='type')
    if isinstance(data, str):
        data_len = len(data)
        if data_len < 1:
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must be longer than or equal to 1 characters", value=data, name="" + (name_prefix or "data") + "", definition={'type': 'string', 'minLength': 1, 'description': 'Who collected these facts: an operator or runner id (`--set operator=NAME`). `phasegate merge` keys its per-operator summaries by it.', '$id': 'https://phasegate.dev/facts/operator'}, rule='minLength')
    return data
_PATTERNS_counts = {
    '^[A-Za-z_][A-Za-z0-9_-]*$(?!\\n)': re.compile('^[A-Za-z_][A-Za-z0-9_-]*\\Z(?!\\n)')
}


def validate_https___phasegate_dev_facts_counts(data, custom_formats={}, name_prefix=None):
    if not isinstance(data, (dict)):
        raise JsonSchemaValueException("" + (name_prefix or "data") + " must be object", value=data, name="" + (name_prefix or "data") + "", definition={'type': 'object', 'propertyNames': {'type': 'string', 'pattern': '^[A-Za-z_][A-Za-z0-9_-]*$(?!\\n)'}, 'additionalProperties': {'type': 'number', 'minimum': 0, 'description': 'Any other count (non-negative).'}, 'properties': {'commands': {'type': 'integer', 'minimum': 0, 'description': 'Operator commands in the sampled history (count): the denominator of error_rate and lock_contention_rate.'}, 'errors': {'type': 'integer', 'minimum': 0, 'description': 'Of those, commands that failed (count): error_rate = errors / commands.'}, 'lock_busy': {'type': 'integer', 'minimum': 0, 'description': "Of those, commands that failed because a lock was held, swarm's BUSY (count): lock_contention_rate = lock_busy / commands."}, 'agents_done': {'type': 'integer', 'minimum': 0, 'description': 'Swarm agents that finished their work (count).'}, 'agents_errored': {'type': 'integer', 'minimum': 0, 'description': 'Swarm agents in error (count): agent_completion_rate = agents_done / (agents_done + agents_errored).'}, 'agents_total': {'type': 'integer', 'minimum': 0, 'description': 'Swarm agents known (count).'}, 'beads_closed': {'type': 'integer', 'minimum': 0, 'description': 'Beads closed since the previous sample (count).'}, 'interval_seconds': {'type': 'number', 'exclusiveMinimum': 0, 'description': 'Time since the previous sample (seconds; operator-seconds in a cohort): throughput = beads_closed / interval_seconds * 3600.'}}, 'description': 'The numerators and denominators behind the rates in `metrics`, so rates can be recomputed exactly over a cohort of operators. In a merged cohort document they are the sums over the operators.', '$id': 'https://phasegate.dev/facts/counts'}, rule='type')
    data_is_dict = isinstance(data, dict)
    if data_is_dict:
        data_keys = set(data.keys())
        if "commands" in data_keys:
            data_keys.remove("commands")
            data__commands = data["commands"]
            if not isinstance(data__commands, (int)) and not (isinstance(data__commands, float) and data__commands.is_integer()) or isinstance(data__commands, bool):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".commands must be integer", value=data__commands, name="" + (name_prefix or "data") + ".commands", definition={'type': 'integer', 'minimum': 0, 'description': 'Operator commands in the sampled history (count): the denominator of error_rate and lock_contention_rate.'}, rule='type')
            if isinstance(data__commands, (int, float, Decimal)) and not isinstance(data__commands, bool):
                if data__commands < 0:
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".commands must be bigger than or equal to 0", value=data__commands, name="" + (name_prefix or "data") + ".commands", definition={'type': 'integer', 'minimum': 0, 'description': 'Operator commands in the sampled history (count): the denominator of error_rate and lock_contention_rate.'}, rule='minimum')
        if "errors" in data_keys:
            data_keys.remove("errors")
            data__errors = data["errors"]
            if not isinstance(data__errors, (int)) and not (isinstance(data__errors, float) and data__errors.is_integer()) or isinstance(data__errors, bool):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".errors must be integer", value=data__errors, name="" + (name_prefix or "data") + ".errors", definition={'type': 'integer', 'minimum': 0, 'description': 'Of those, commands that failed (count): error_rate = errors / commands.'}, rule='type')
            if isinstance(data__errors, (int, float, Decimal)) and not isinstance(data__errors, bool):
                if data__errors < 0:
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".errors must be bigger than or equal to 0", value=data__errors, name="" + (name_prefix or "data") + ".errors", definition={'type': 'integer', 'minimum': 0, 'description': 'Of those, commands that failed (count): error_rate = errors / commands.'}, rule='minimum')
        if "lock_busy" in data_keys:
            data_keys.remove("lock_busy")
            data__lockbusy = data["lock_busy"]
            if not isinstance(data__lockbusy, (int)) and not (isinstance(data__lockbusy, float) and data__lockbusy.is_integer()) or isinstance(data__lockbusy, bool):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".lock_busy must be integer", value=data__lockbusy, name="" + (name_prefix or "data") + ".lock_busy", definition={'type': 'integer', 'minimum': 0, 'description': "Of those, commands that failed because a lock was held, swarm's BUSY (count): lock_contention_rate = lock_busy / commands."}, rule='type')
            if isinstance(data__lockbusy, (int, float, Decimal)) and not isinstance(data__lockbusy, bool):
                if data__lockbusy < 0:
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".lock_busy must be bigger than or equal to 0", value=data__lockbusy, name="" + (name_prefix or "data") + ".lock_busy", definition={'type': 'integer', 'minimum': 0, 'description': "Of those, commands that failed because a lock was held, swarm's BUSY (count): lock_contention_rate = lock_busy / commands."}, rule='minimum')
        if "agents_done" in data_keys:
            data_keys.remove("agents_done")
            data__agentsdone = data["agents_done"]
            if not isinstance(data__agentsdone, (int)) and not (isinstance(data__agentsdone, float) and data__agentsdone.is_integer()) or isinstance(data__agentsdone, bool):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".agents_done must be integer", value=data__agentsdone, name="" + (name_prefix or "data") + ".agents_done", definition={'type': 'integer', 'minimum': 0, 'description': 'Swarm agents that finished their work (count).'}, rule='type')
            if isinstance(data__agentsdone, (int, float, Decimal)) and not isinstance(data__agentsdone, bool):
                if data__agentsdone < 0:
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".agents_done must be bigger than or equal to 0", value=data__agentsdone, name="" + (name_prefix or "data") + ".agents_done", definition={'type': 'integer', 'minimum': 0, 'description': 'Swarm agents that finished their work (count).'}, rule='minimum')
        if "agents_errored" in data_keys:
            data_keys.remove("agents_errored")
            data__agentserrored = data["agents_errored"]
            if not isinstance(data__agentserrored, (int)) and not (isinstance(data__agentserrored, float) and data__agentserrored.is_integer()) or isinstance(data__agentserrored, bool):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".agents_errored must be integer", value=data__agentserrored, name="" + (name_prefix or "data") + ".agents_errored", definition={'type': 'integer', 'minimum': 0, 'description': 'Swarm agents in error (count): agent_completion_rate = agents_done / (agents_done + agents_errored).'}, rule='type')
            if isinstance(data__agentserrored, (int, float, Decimal)) and not isinstance(data__agentserrored, bool):
                if data__agentserrored < 0:
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".agents_errored must be bigger than or equal to 0", value=data__agentserrored, name="" + (name_prefix or "data") + ".agents_errored", definition={'type': 'integer', 'minimum': 0, 'description': 'Swarm agents in error (count): agent_completion_rate = agents_done / (agents_done + agents_errored).'}, rule='minimum')
        if "agents_total" in data_keys:
            data_keys.remove("agents_total")
            data__agentstotal = data["agents_total"]
            if not isinstance(data__agentstotal, (int)) and not (isinstance(data__agentstotal, float) and data__agentstotal.is_integer()) or isinstance(data__agentstotal, bool):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".agents_total must be integer", value=data__agentstotal, name="" + (name_prefix or "data") + ".agents_total", definition={'type': 'integer', 'minimum': 0, 'description': 'Swarm agents known (count).'}, rule='type')
            if isinstance(data__agentstotal, (int, float, Decimal)) and not isinstance(data__agentstotal, bool):
                if data__agentstotal < 0:
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".agents_total must be bigger than or equal to 0", value=data__agentstotal, name="" + (name_prefix or "data") + ".agents_total", definition={'type': 'integer', 'minimum': 0, 'description': 'Swarm agents known (count).'}, rule='minimum')
        if "beads_closed" in data_keys:
            data_keys.remove("beads_closed")
            data__beadsclosed = data["beads_closed"]
            if not isinstance(data__beadsclosed, (int)) and not (isinstance(data__beadsclosed, float) and data__beadsclosed.is_integer()) or isinstance(data__beadsclosed, bool):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".beads_closed must be integer", value=data__beadsclosed, name="" + (name_prefix or "data") + ".beads_closed", definition={'type': 'integer', 'minimum': 0, 'description': 'Beads closed since the previous sample (count).'}, rule='type')
            if isinstance(data__beadsclosed, (int, float, Decimal)) and not isinstance(data__beadsclosed, bool):
                if data__beadsclosed < 0:
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".beads_closed must be bigger than or equal to 0", value=data__beadsclosed, name="" + (name_prefix or "data") + ".beads_closed", definition={'type': 'integer', 'minimum': 0, 'description': 'Beads closed since the previous sample (count).'}, rule='minimum')
        if "interval_seconds" in data_keys:
            data_keys.remove("interval_seconds")
            data__intervalseconds = data["interval_seconds"]
            if not isinstance(data__intervalseconds, (int, float, Decimal)) or isinstance(data__intervalseconds, bool):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".interval_seconds must be number", value=data__intervalseconds, name="" + (name_prefix or "data") + ".interval_seconds", definition={'type': 'number', 'exclusiveMinimum': 0, 'description': 'Time since the previous sample (seconds; operator-seconds in a cohort): throughput = beads_closed / interval_seconds * 3600.'}, rule='type')
            if isinstance(data__intervalseconds, (int, float, Decimal)) and not isinstance(data__intervalseconds, bool):
                if data__intervalseconds <= 0:
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".interval_seconds must be bigger than 0", value=data__intervalseconds, name="" + (name_prefix or "data") + ".interval_seconds", definition={'type': 'number', 'exclusiveMinimum': 0, 'description': 'Time since the previous sample (seconds; operator-seconds in a cohort): throughput = beads_closed / interval_seconds * 3600.'}, rule='exclusiveMinimum')
        for data_key in data_keys:
            if data_key not in ['commands', 'errors', 'lock_busy', 'agents_done', 'agents_errored', 'agents_total', 'beads_closed', 'interval_seconds']:
                data_value = data.get(data_key)
                if not isinstance(data_value, (int, float, Decimal)) or isinstance(data_value, bool):
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".{data_key}".format(**locals()) + " must be number", value=data_value, name="" + (name_prefix or "data") + ".{data_key}".format(**locals()) + "", definition={'type': 'number', 'minimum': 0, 'description': 'Any other count (non-negative).'}, rule='type')
                if isinstance(data_value, (int, float, Decimal)) and not isinstance(data_value, bool):
                    if data_value < 0:
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".{data_key}".format(**locals()) + " must be bigger than or equal to 0", value=data_value, name="" + (name_prefix or "data") + ".{data_key}".format(**locals()) + "", definition={'type': 'number', 'minimum': 0, 'description': 'Any other count (non-negative).'}, rule='minimum')
        data_len = len(data)
        if data_len != 0:
            data_property_names = True
            for data_key in data:
                try:
                    if not isinstance(data_key, (str)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + " must be string", value=data_key, name="" + (name_prefix or "data") + "", definition={'type': 'string', 'pattern': '^[A-Za-z_][A-Za-z0-9_-]*$(?!\\n)'}, rule='type')
                    if isinstance(data_key, str):
                        if not _PATTERNS_counts['^[A-Za-z_][A-Za-z0-9_-]*$(?!\\n)'].search(data_key):
                            raise JsonSchemaValueException("" + (name_prefix or "data") + " must match pattern ^[A-Za-z_][A-Za-z0-9_-]*$(?!\\n)", value=data_key, name="" + (name_prefix or "data") + "", definition={'type': 'string', 'pattern': '^[A-Za-z_][A-Za-z0-9_-]*$(?!\\n)'}, rule='pattern')
                except (JsonSchemaValueException, JsonSchemaValuesException):
                    data_property_names = False
            if not data_property_names:
                raise JsonSchemaValueException("" + (name_prefix or "data") + " must be named by propertyName definition", value=data, name="" + (name_prefix or "data") + "", definition={'type': 'object', 'propertyNames': {'type': 'string', 'pattern': '^[A-Za-z_][A-Za-z0-9_-]*$(?!\\n)'}, 'additionalProperties': {'type': 'number', 'minimum': 0, 'description': 'Any other count (non-negative).'}, 'properties': {'commands': {'type': 'integer', 'minimum': 0, 'description': 'Operator commands in the sampled history (count): the denominator of error_rate and lock_contention_rate.'}, 'errors': {'type': 'integer', 'minimum': 0, 'description': 'Of those, commands that failed (count): error_rate = errors / commands.'}, 'lock_busy': {'type': 'integer', 'minimum': 0, 'description': "Of those, commands that failed because a lock was held, swarm's BUSY (count): lock_contention_rate = lock_busy / commands."}, 'agents_done': {'type': 'integer', 'minimum': 0, 'description': 'Swarm agents that finished their work (count).'}, 'agents_errored': {'type': 'integer', 'minimum': 0, 'description': 'Swarm agents in error (count): agent_completion_rate = agents_done / (agents_done + agents_errored).'}, 'agents_total': {'type': 'integer', 'minimum': 0, 'description': 'Swarm agents known (count).'}, 'beads_closed': {'type': 'integer', 'minimum': 0, 'description': 'Beads closed since the previous sample (count).'}, 'interval_seconds': {'type': 'number', 'exclusiveMinimum': 0, 'description': 'Time since the previous sample (seconds; operator-seconds in a cohort): throughput = beads_closed / interval_seconds * 3600.'}}, 'description': 'The numerators and denominators behind the rates in `metrics`, so rates can be recomputed exactly over a cohort of operators. In a merged cohort document they are the sums over the operators.', '$id': 'https://phasegate.dev/facts/counts'}, rule='propertyNames')
    return data
_PATTERNS_operators = {
    '^[A-Za-z_][A-Za-z0-9_-]*$(?!\\n)': re.compile('^[A-Za-z_][A-Za-z0-9_-]*\\Z(?!\\n)')
}


def validate_https___phasegate_dev_facts_operators(data, custom_formats={}, name_prefix=None):
    if not isinstance(data, (dict)):
        raise JsonSchemaValueException("" + (name_prefix or "data") + " must be object", value=data, name="" + (name_prefix or "data") + "", definition={'type': 'object', 'description': "Written by `phasegate merge`: operator id -> a summary of that operator's facts document.", 'propertyNames': {'type': 'string', 'minLength': 1}, 'additionalProperties': {'type': 'object', 'additionalProperties': False, 'required': ['collected_at'], 'description': "One operator's part of a merged cohort document.", 'properties': {'source': {'type': 'string', 'description': 'The facts file it came from.'}, 'collected_at': {'type': 'string', 'format': 'date-time', 'description': 'When that operator collected (RFC 3339).'}, 'deployed_version': {'type': 'string', 'description': "What that operator's zjj reported."}, 'counts': {'type': 'object', 'propertyNames': {'type': 'string', 'pattern': '^[A-Za-z_][A-Za-z0-9_-]*$(?!\\n)'}, 'additionalProperties': {'type': 'number', 'minimum': 0, 'description': 'Any other count (non-negative).'}, 'properties': {'commands': {'type': 'integer', 'minimum': 0, 'description': 'Operator commands in the sampled history (count): the denominator of error_rate and lock_contention_rate.'}, 'errors': {'type': 'integer', 'minimum': 0, 'description': 'Of those, commands that failed (count): error_rate = errors / commands.'}, 'lock_busy': {'type': 'integer', 'minimum': 0, 'description': "Of those, commands that failed because a lock was held, swarm's BUSY (count): lock_contention_rate = lock_busy / commands."}, 'agents_done': {'type': 'integer', 'minimum': 0, 'description': 'Swarm agents that finished their work (count).'}, 'agents_errored': {'type': 'integer', 'minimum': 0, 'description': 'Swarm agents in error (count): agent_completion_rate = agents_done / (agents_done + agents_errored).'}, 'agents_total': {'type': 'integer', 'minimum': 0, 'description': 'Swarm agents known (count).'}, 'beads_closed': {'type': 'integer', 'minimum': 0, 'description': 'Beads closed since the previous sample (count).'}, 'interval_seconds': {'type': 'number', 'exclusiveMinimum': 0, 'description': 'Time since the previous sample (seconds; operator-seconds in a cohort): throughput = beads_closed / interval_seconds * 3600.'}}}, 'metrics': {'type': 'object', 'propertyNames': {'type': 'string', 'pattern': '^[A-Za-z_][A-Za-z0-9_-]*$(?!\\n)'}, 'additionalProperties': {'type': 'number', 'description': 'Any other metric (double).'}, 'properties': {'error_rate': {'type': 'number', 'minimum': 0, 'maximum': 1, 'description': 'Share of failed operator commands in the window (ratio 0..1).'}, 'lock_contention_rate': {'type': 'number', 'minimum': 0, 'maximum': 1, 'description': 'Share of commands that hit lock contention (ratio 0..1).'}, 'agents_total': {'type': 'integer', 'minimum': 0, 'description': 'Swarm agents known (count).'}, 'agents_failed': {'type': 'integer', 'minimum': 0, 'description': 'Swarm agents in error (count).'}, 'agent_completion_rate': {'type': 'number', 'minimum': 0, 'maximum': 1, 'description': 'Share of agent runs that completed (ratio 0..1).'}, 'throughput': {'type': 'number', 'minimum': 0, 'description': 'Beads closed per hour (beads/h).'}, 'new_failures': {'type': 'number', 'minimum': 0, 'description': 'New swarm failure events since the previous sample (count of `swarm monitor --view failures` rows with a higher seq; absent on the first sample).'}}}, 'baseline': {'type': 'object', 'propertyNames': {'type': 'string', 'pattern': '^[A-Za-z_][A-Za-z0-9_-]*$(?!\\n)'}, 'additionalProperties': {'type': 'number', 'description': 'Any other metric (double).'}, 'properties': {'error_rate': {'type': 'number', 'minimum': 0, 'maximum': 1, 'description': 'Share of failed operator commands in the window (ratio 0..1).'}, 'lock_contention_rate': {'type': 'number', 'minimum': 0, 'maximum': 1, 'description': 'Share of commands that hit lock contention (ratio 0..1).'}, 'agents_total': {'type': 'integer', 'minimum': 0, 'description': 'Swarm agents known (count).'}, 'agents_failed': {'type': 'integer', 'minimum': 0, 'description': 'Swarm agents in error (count).'}, 'agent_completion_rate': {'type': 'number', 'minimum': 0, 'maximum': 1, 'description': 'Share of agent runs that completed (ratio 0..1).'}, 'throughput': {'type': 'number', 'minimum': 0, 'description': 'Beads closed per hour (beads/h).'}, 'new_failures': {'type': 'number', 'minimum': 0, 'description': 'New swarm failure events since the previous sample (count of `swarm monitor --view failures` rows with a higher seq; absent on the first sample).'}}, 'description': "That operator's baseline, kept only when the cohort has none (the operators' baselines disagree, or one gave none): the rollback rules judge that operator's own metrics against it."}, 'stale': {'type': 'boolean', 'description': "Older than the merge's --max-age: its counts were not trusted."}, 'unknown': {'type': 'object', 'additionalProperties': {'type': 'string'}, 'description': "That operator's extra.phasegate_unknown: what it could not measure, and why."}}}, '$id': 'https://phasegate.dev/facts/operators'}, rule='type')
    data_is_dict = isinstance(data, dict)
    if data_is_dict:
        data_keys = set(data.keys())
        for data_key in data_keys:
            if data_key not in []:
                data_value = data.get(data_key)
                if not isinstance(data_value, (dict)):
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".{data_key}".format(**locals()) + " must be object", value=data_value, name="" + (name_prefix or "data") + ".{data_key}".format(**locals()) + "", definition={'type': 'object', 'additionalProperties': False, 'required': ['collected_at'], 'description': "One operator's part of a merged cohort document.", 'properties': {'source': {'type': 'string', 'description': 'The facts file it came from.'}, 'collected_at': {'type': 'string', 'format': 'date-time', 'description': 'When that operator collected (RFC 3339).'}, 'deployed_version': {'type': 'string', 'description': "What that operator's zjj reported."}, 'counts': {'type': 'object', 'propertyNames': {'type': 'string', 'pattern': '^[A-Za-z_][A-Za-z0-9_-]*$(?!\\n)'}, 'additionalProperties': {'type': 'number', 'minimum': 0, 'description': 'Any other count (non-negative).'}, 'properties': {'commands': {'type': 'integer', 'minimum': 0, 'description': 'Operator commands in the sampled history (count): the denominator of error_rate and lock_contention_rate.'}, 'errors': {'type': 'integer', 'minimum': 0, 'description': 'Of those, commands that failed (count): error_rate = errors / commands.'}, 'lock_busy': {'type': 'integer', 'minimum': 0, 'description': "Of those, commands that failed because a lock was held, swarm's BUSY (count): lock_contention_rate = lock_busy / commands."}, 'agents_done': {'type': 'integer', 'minimum': 0, 'description': 'Swarm agents that finished their work (count).'}, 'agents_errored': {'type': 'integer', 'minimum': 0, 'description': 'Swarm agents in error (count): agent_completion_rate = agents_done / (agents_done + agents_errored).'}, 'agents_total': {'type': 'integer', 'minimum': 0, 'description': 'Swarm agents known (count).'}, 'beads_closed': {'type': 'integer', 'minimum': 0, 'description': 'Beads closed since the previous sample (count).'}, 'interval_seconds': {'type': 'number', 'exclusiveMinimum': 0, 'description': 'Time since the previous sample (seconds; operator-seconds in a cohort): throughput = beads_closed / interval_seconds * 3600.'}}}, 'metrics': {'type': 'object', 'propertyNames': {'type': 'string', 'pattern': '^[A-Za-z_][A-Za-z0-9_-]*$(?!\\n)'}, 'additionalProperties': {'type': 'number', 'description': 'Any other metric (double).'}, 'properties': {'error_rate': {'type': 'number', 'minimum': 0, 'maximum': 1, 'description': 'Share of failed operator commands in the window (ratio 0..1).'}, 'lock_contention_rate': {'type': 'number', 'minimum': 0, 'maximum': 1, 'description': 'Share of commands that hit lock contention (ratio 0..1).'}, 'agents_total': {'type': 'integer', 'minimum': 0, 'description': 'Swarm agents known (count).'}, 'agents_failed': {'type': 'integer', 'minimum': 0, 'description': 'Swarm agents in error (count).'}, 'agent_completion_rate': {'type': 'number', 'minimum': 0, 'maximum': 1, 'description': 'Share of agent runs that completed (ratio 0..1).'}, 'throughput': {'type': 'number', 'minimum': 0, 'description': 'Beads closed per hour (beads/h).'}, 'new_failures': {'type': 'number', 'minimum': 0, 'description': 'New swarm failure events since the previous sample (count of `swarm monitor --view failures` rows with a higher seq; absent on the first sample).'}}}, 'baseline': {'type': 'object', 'propertyNames': {'type': 'string', 'pattern': '^[A-Za-z_][A-Za-z0-9_-]*$(?!\\n)'}, 'additionalProperties': {'type': 'number', 'description': 'Any other metric (double).'}, 'properties': {'error_rate': {'type': 'number', 'minimum': 0, 'maximum': 1, 'description': 'Share of failed operator commands in the window (ratio 0..1).'}, 'lock_contention_rate': {'type': 'number', 'minimum': 0, 'maximum': 1, 'description': 'Share of commands that hit lock contention (ratio 0..1).'}, 'agents_total': {'type': 'integer', 'minimum': 0, 'description': 'Swarm agents known (count).'}, 'agents_failed': {'type': 'integer', 'minimum': 0, 'description': 'Swarm agents in error (count).'}, 'agent_completion_rate': {'type': 'number', 'minimum': 0, 'maximum': 1, 'description': 'Share of agent runs that completed (ratio 0..1).'}, 'throughput': {'type': 'number', 'minimum': 0, 'description': 'Beads closed per hour (beads/h).'}, 'new_failures': {'type': 'number', 'minimum': 0, 'description': 'New swarm failure events since the previous sample (count of `swarm monitor --view failures` rows with a higher seq; absent on the first sample).'}}, 'description': "That operator's baseline, kept only when the cohort has none (the operators' baselines disagree, or one gave none): the rollback rules judge that operator's own metrics against it."}, 'stale': {'type': 'boolean', 'description': "Older than the merge's --max-age: its counts were not trusted."}, 'unknown': {'type': 'object', 'additionalProperties': {'type': 'string'}, 'description': "That operator's extra.phasegate_unknown: what it could not measure, and why."}}}, rule='type')
                data_value_is_dict = isinstance(data_value, dict)
                if data_value_is_dict:
                    data_value__missing_keys = set(['collected_at']) - data_value.keys()
                    if data_value__missing_keys:
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".{data_key}".format(**locals()) + " must contain " + (str(sorted(data_value__missing_keys)) + " properties"), value=data_value, name="" + (name_prefix or "data") + ".{data_key}".format(**locals()) + "", definition={'type': 'object', 'additionalProperties': False, 'required': ['collected_at'], 'description': "One operator's part of a merged cohort document.", 'properties': {'source': {'type': 'string', 'description': 'The facts file it came from.'}, 'collected_at': {'type': 'string', 'format': 'date-time', 'description': 'When that operator collected (RFC 3339).'}, 'deployed_version': {'type': 'string', 'description': "What that operator's zjj reported."}, 'counts': {'type': 'object', 'propertyNames': {'type': 'string', 'pattern': '^[A-Za-z_][A-Za-z0-9_-]*$(?!\\n)'}, 'additionalProperties': {'type': 'number', 'minimum': 0, 'description': 'Any other count (non-negative).'}, 'properties': {'commands': {'type': 'integer', 'minimum': 0, 'description': 'Operator commands in the sampled history (count): the denominator of error_rate and lock_contention_rate.'}, 'errors': {'type': 'integer', 'minimum': 0, 'description': 'Of those, commands that failed (count): error_rate = errors / commands.'}, 'lock_busy': {'type': 'integer', 'minimum': 0, 'description': "Of those, commands that failed because a lock was held, swarm's BUSY (count): lock_contention_rate = lock_busy / commands."}, 'agents_done': {'type': 'integer', 'minimum': 0, 'description': 'Swarm agents that finished their work (count).'}, 'agents_errored': {'type': 'integer', 'minimum': 0, 'description': 'Swarm agents in error (count): agent_completion_rate = agents_done / (agents_done + agents_errored).'}, 'agents_total': {'type': 'integer', 'minimum': 0, 'description': 'Swarm agents known (count).'}, 'beads_closed': {'type': 'integer', 'minimum': 0, 'description': 'Beads closed since the previous sample (count).'}, 'interval_seconds': {'type': 'number', 'exclusiveMinimum': 0, 'description': 'Time since the previous sample (seconds; operator-seconds in a cohort): throughput = beads_closed / interval_seconds * 3600.'}}}, 'metrics': {'type': 'object', 'propertyNames': {'type': 'string', 'pattern': '^[A-Za-z_][A-Za-z0-9_-]*$(?!\\n)'}, 'additionalProperties': {'type': 'number', 'description': 'Any other metric (double).'}, 'properties': {'error_rate': {'type': 'number', 'minimum': 0, 'maximum': 1, 'description': 'Share of failed operator commands in the window (ratio 0..1).'}, 'lock_contention_rate': {'type': 'number', 'minimum': 0, 'maximum': 1, 'description': 'Share of commands that hit lock contention (ratio 0..1).'}, 'agents_total': {'type': 'integer', 'minimum': 0, 'description': 'Swarm agents known (count).'}, 'agents_failed': {'type': 'integer', 'minimum': 0, 'description': 'Swarm agents in error (count).'}, 'agent_completion_rate': {'type': 'number', 'minimum': 0, 'maximum': 1, 'description': 'Share of agent runs that completed (ratio 0..1).'}, 'throughput': {'type': 'number', 'minimum': 0, 'description': 'Beads closed per hour (beads/h).'}, 'new_failures': {'type': 'number', 'minimum': 0, 'description': 'New swarm failure events since the previous sample (count of `swarm monitor --view failures` rows with a higher seq; absent on the first sample).'}}}, 'baseline': {'type': 'object', 'propertyNames': {'type': 'string', 'pattern': '^[A-Za-z_][A-Za-z0-9_-]*$(?!\\n)'}, 'additionalProperties': {'type': 'number', 'description': 'Any other metric (double).'}, 'properties': {'error_rate': {'type': 'number', 'minimum': 0, 'maximum': 1, 'description': 'Share of failed operator commands in the window (ratio 0..1).'}, 'lock_contention_rate': {'type': 'number', 'minimum': 0, 'maximum': 1, 'description': 'Share of commands that hit lock contention (ratio 0..1).'}, 'agents_total': {'type': 'integer', 'minimum': 0, 'description': 'Swarm agents known (count).'}, 'agents_failed': {'type': 'integer', 'minimum': 0, 'description': 'Swarm agents in error (count).'}, 'agent_completion_rate': {'type': 'number', 'minimum': 0, 'maximum': 1, 'description': 'Share of agent runs that completed (ratio 0..1).'}, 'throughput': {'type': 'number', 'minimum': 0, 'description': 'Beads closed per hour (beads/h).'}, 'new_failures': {'type': 'number', 'minimum': 0, 'description': 'New swarm failure events since the previous sample (count of `swarm monitor --view failures` rows with a higher seq; absent on the first sample).'}}, 'description': "That operator's baseline, kept only when the cohort has none (the operators' baselines disagree, or one gave none): the rollback rules judge that operator's own metrics against it."}, 'stale': {'type': 'boolean', 'description': "Older than the merge's --max-age: its counts were not trusted."}, 'unknown': {'type': 'object', 'additionalProperties': {'type': 'string'}, 'description': "That operator's extra.phasegate_unknown: what it could not measure, and why."}}}, rule='required')
                    data_value_keys = set(data_value.keys())
                    if "source" in data_value_keys:
                        data_value_keys.remove("source")
                        data_value__source = data_value["source"]
                        if not isinstance(data_value__source, (str)):
                            raise JsonSchemaValueException("" + (name_prefix or "data") + ".{data_key}.source".format(**locals()) + " must be string", value=data_value__source, name="" + (name_prefix or "data") + ".{data_key}.source".format(**locals()) + "", definition={'type': 'string', 'description': 'The facts file it came from.'}, rule='type')
                    if "collected_at" in data_value_keys:
                        data_value_keys.remove("collected_at")
                        data_value__collectedat = data_value["collected_at"]
                        if not isinstance(data_value__collectedat, (str)):
                            raise JsonSchemaValueException("" + (name_prefix or "data") + ".{data_key}.collected_at".format(**locals()) + " must be string", value=data_value__collectedat, name="" + (name_prefix or "data") + ".{data_key}.collected_at".format(**locals()) + "", definition={'type': 'string', 'format': 'date-time', 'description': 'When that operator collected (RFC 3339).'}, rule='type')
                        if isinstance(data_value__collectedat, str):
                            if not custom_formats["date-time"](data_value__collectedat):
                                raise JsonSchemaValueException("" + (name_prefix or "data") + ".{data_key}.collected_at".format(**locals()) + " must be date-time", value=data_value__collectedat, name="" + (name_prefix or "data") + ".{data_key}.collected_at".format(**locals()) + "", definition={'type': 'string', 'format': 'date-time', 'description': 'When that operator collected (RFC 3339).'}, rule='format')
                    if "deployed_version" in data_value_keys:
                        data_value_keys.remove("deployed_version")
                        data_value__deployedversion = data_value["deployed_version"]
                        if not isinstance(data_value__deployedversion, (str)):
                            raise JsonSchemaValueException("" + (name_prefix or "data") + ".{data_key}.deployed_version".format(**locals()) + " must be string", value=data_value__deployedversion, name="" + (name_prefix or "data") + ".{data_key}.deployed_version".format(**locals()) + "", definition={'type': 'string', 'description': "What that operator's zjj reported."}, rule='type')
                    if "counts" in data_value_keys:
                        data_value_keys.remove("counts")
                        data_value__counts = data_value["counts"]
                        if not isinstance(data_value__counts, (dict)):
                            raise JsonSchemaValueException("" + (name_prefix or "data") + ".{data_key}.counts".format(**locals()) + " must be object", value=data_value__counts, name="" + (name_prefix or "data") + ".{data_key}.counts".format(**locals()) + "", definition={'type': 'object', 'propertyNames': {'type': 'string', 'pattern': '^[A-Za-z_][A-Za-z0-9_-]*$(?!\\n)'}, 'additionalProperties': {'type': 'number', 'minimum': 0, 'description': 'Any other count (non-negative).'}, 'properties': {'commands': {'type': 'integer', 'minimum': 0, 'description': 'Operator commands in the sampled history (count): the denominator of error_rate and lock_contention_rate.'}, 'errors': {'type': 'integer', 'minimum': 0, 'description': 'Of those, commands that failed (count): error_rate = errors / commands.'}, 'lock_busy': {'type': 'integer', 'minimum': 0, 'description': "Of those, commands that failed because a lock was held, swarm's BUSY (count): lock_contention_rate = lock_busy / commands."}, 'agents_done': {'type': 'integer', 'minimum': 0, 'description': 'Swarm agents that finished their work (count).'}, 'agents_errored': {'type': 'integer', 'minimum': 0, 'description': 'Swarm agents in error (count): agent_completion_rate = agents_done / (agents_done + agents_errored).'}, 'agents_total': {'type': 'integer', 'minimum': 0, 'description': 'Swarm agents known (count).'}, 'beads_closed': {'type': 'integer', 'minimum': 0, 'description': 'Beads closed since the previous sample (count).'}, 'interval_seconds': {'type': 'number', 'exclusiveMinimum': 0, 'description': 'Time since the previous sample (seconds; operator-seconds in a cohort): throughput = beads_closed / interval_seconds * 3600.'}}}, rule='type')
                        data_value__counts_is_dict = isinstance(data_value__counts, dict)
                        if data_value__counts_is_dict:
                            data_value__counts_keys = set(data_value__counts.keys())
                            if "commands" in data_value__counts_keys:
                                data_value__counts_keys.remove("commands")
                                data_value__counts__commands = data_value__counts["commands"]
                                if not isinstance(data_value__counts__commands, (int)) and not (isinstance(data_value__counts__commands, float) and data_value__counts__commands.is_integer()) or isinstance(data_value__counts__commands, bool):
                                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".{data_key}.counts.commands".format(**locals()) + " must be integer", value=data_value__counts__commands, name="" + (name_prefix or "data") + ".{data_key}.counts.commands".format(**locals()) + "", definition={'type': 'integer', 'minimum': 0, 'description': 'Operator commands in the sampled history (count): the denominator of error_rate and lock_contention_rate.'}, rule='type')
                                if isinstance(data_value__counts__commands, (int, float, Decimal)) and not isinstance(data_value__counts__commands, bool):
                                    if data_value__counts__commands < 0:
                                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".{data_key}.counts.commands".format(**locals()) + " must be bigger than or equal to 0", value=data_value__counts__commands, name="" + (name_prefix or "data") + ".{data_key}.counts.commands".format(**locals()) + "", definition={'type': 'integer', 'minimum': 0, 'description': 'Operator commands in the sampled history (count): the denominator of error_rate and lock_contention_rate.'}, rule='minimum')
                            if "errors" in data_value__counts_keys:
                                data_value__counts_keys.remove("errors")
                                data_value__counts__errors = data_value__counts["errors"]
                                if not isinstance(data_value__counts__errors, (int)) and not (isinstance(data_value__counts__errors, float) and data_value__counts__errors.is_integer()) or isinstance(data_value__counts__errors, bool):
                                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".{data_key}.counts.errors".format(**locals()) + " must be integer", value=data_value__counts__errors, name="" + (name_prefix or "data") + ".{data_key}.counts.errors".format(**locals()) + "", definition={'type': 'integer', 'minimum': 0, 'description': 'Of those, commands that failed (count): error_rate = errors / commands.'}, rule='type')
                                if isinstance(data_value__counts__errors, (int, float, Decimal)) and not isinstance(data_value__counts__errors, bool):
                                    if data_value__counts__errors < 0:
                                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".{data_key}.counts.errors".format(**locals()) + " must be bigger than or equal to 0", value=data_value__counts__errors, name="" + (name_prefix or "data") + ".{data_key}.counts.errors".format(**locals()) + "", definition={'type': 'integer', 'minimum': 0, 'description': 'Of those, commands that failed (count): error_rate = errors / commands.'}, rule='minimum')
                            if "lock_busy" in data_value__counts_keys:
                                data_value__counts_keys.remove("lock_busy")
                                data_value__counts__lockbusy = data_value__counts["lock_busy"]
                                if not isinstance(data_value__counts__lockbusy, (int)) and not (isinstance(data_value__counts__lockbusy, float) and data_value__counts__lockbusy.is_integer()) or isinstance(data_value__counts__lockbusy, bool):
                                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".{data_key}.counts.lock_busy".format(**locals()) + " must be integer", value=data_value__counts__lockbusy, name="" + (name_prefix or "data") + ".{data_key}.counts.lock_busy".format(**locals()) + "", definition={'type': 'integer', 'minimum': 0, 'description': "Of those, commands that failed because a lock was held, swarm's BUSY (count): lock_contention_rate = lock_busy / commands."}, rule='type')
                                if isinstance(data_value__counts__lockbusy, (int, float, Decimal)) and not isinstance(data_value__counts__lockbusy, bool):
                                    if data_value__counts__lockbusy < 0:
                                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".{data_key}.counts.lock_busy".format(**locals()) + " must be bigger than or equal to 0", value=data_value__counts__lockbusy, name="" + (name_prefix or "data") + ".{data_key}.counts.lock_busy".format(**locals()) + "", definition={'type': 'integer', 'minimum': 0, 'description': "Of those, commands that failed because a lock was held, swarm's BUSY (count): lock_contention_rate = lock_busy / commands."}, rule='minimum')
                            if "agents_done" in data_value__counts_keys:
                                data_value__counts_keys.remove("agents_done")
                                data_value__counts__agentsdone = data_value__counts["agents_done"]
                                if not isinstance(data_value__counts__agentsdone, (int)) and not (isinstance(data_value__counts__agentsdone, float) and data_value__counts__agentsdone.is_integer()) or isinstance(data_value__counts__agentsdone, bool):
                                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".{data_key}.counts.agents_done".format(**locals()) + " must be integer", value=data_value__counts__agentsdone, name="" + (name_prefix or "data") + ".{data_key}.counts.agents_done".format(**locals()) + "", definition={'type': 'integer', 'minimum': 0, 'description': 'Swarm agents that finished their work (count).'}, rule='type')
                                if isinstance(data_value__counts__agentsdone, (int, float, Decimal)) and not isinstance(data_value__counts__agentsdone, bool):
                                    if data_value__counts__agentsdone < 0:
                                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".{data_key}.counts.agents_done".format(**locals()) + " must be bigger than or equal to 0", value=data_value__counts__agentsdone, name="" + (name_prefix or "data") + ".{data_key}.counts.agents_done".format(**locals()) + "", definition={'type': 'integer', 'minimum': 0, 'description': 'Swarm agents that finished their work (count).'}, rule='minimum')
                            if "agents_errored" in data_value__counts_keys:
                                data_value__counts_keys.remove("agents_errored")
                                data_value__counts__agentserrored = data_value__counts["agents_errored"]
                                if not isinstance(data_value__counts__agentserrored, (int)) and not (isinstance(data_value__counts__agentserrored, float) and data_value__counts__agentserrored.is_integer()) or isinstance(data_value__counts__agentserrored, bool):
                                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".{data_key}.counts.agents_errored".format(**locals()) + " must be integer", value=data_value__counts__agentserrored, name="" + (name_prefix or "data") + ".{data_key}.counts.agents_errored".format(**locals()) + "", definition={'type': 'integer', 'minimum': 0, 'description': 'Swarm agents in error (count): agent_completion_rate = agents_done / (agents_done + agents_errored).'}, rule='type')
                                if isinstance(data_value__counts__agentserrored, (int, float, Decimal)) and not isinstance(data_value__counts__agentserrored, bool):
                                    if data_value__counts__agentserrored < 0:
                                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".{data_key}.counts.agents_errored".format(**locals()) + " must be bigger than or equal to 0", value=data_value__counts__agentserrored, name="" + (name_prefix or "data") + ".{data_key}.counts.agents_errored".format(**locals()) + "", definition={'type': 'integer', 'minimum': 0, 'description': 'Swarm agents in error (count): agent_completion_rate = agents_done / (agents_done + agents_errored).'}, rule='minimum')
                            if "agents_total" in data_value__counts_keys:
                                data_value__counts_keys.remove("agents_total")
                                data_value__counts__agentstotal = data_value__counts["agents_total"]
                                if not isinstance(data_value__counts__agentstotal, (int)) and not (isinstance(data_value__counts__agentstotal, float) and data_value__counts__agentstotal.is_integer()) or isinstance(data_value__counts__agentstotal, bool):
                                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".{data_key}.counts.agents_total".format(**locals()) + " must be integer", value=data_value__counts__agentstotal, name="" + (name_prefix or "data") + ".{data_key}.counts.agents_total".format(**locals()) + "", definition={'type': 'integer', 'minimum': 0, 'description': 'Swarm agents known (count).'}, rule='type')
                                if isinstance(data_value__counts__agentstotal, (int, float, Decimal)) and not isinstance(data_value__counts__agentstotal, bool):
                                    if data_value__counts__agentstotal < 0:
                                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".{data_key}.counts.agents_total".format(**locals()) + " must be bigger than or equal to 0", value=data_value__counts__agentstotal, name="" + (name_prefix or "data") + ".{data_key}.counts.agents_total".format(**locals()) + "", definition={'type': 'integer', 'minimum': 0, 'description': 'Swarm agents known (count).'}, rule='minimum')
                            if "beads_closed" in data_value__counts_keys:
                                data_value__counts_keys.remove("beads_closed")
                                data_value__counts__beadsclosed = data_value__counts["beads_closed"]
                                if not isinstance(data_value__counts__beadsclosed, (int)) and not (isinstance(data_value__counts__beadsclosed, float) and data_value__counts__beadsclosed.is_integer()) or isinstance(data_value__counts__beadsclosed, bool):
                                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".{data_key}.counts.beads_closed".format(**locals()) + " must be integer", value=data_value__counts__beadsclosed, name="" + (name_prefix or "data") + ".{data_key}.counts.beads_closed".format(**locals()) + "", definition={'type': 'integer', 'minimum': 0, 'description': 'Beads closed since the previous sample (count).'}, rule='type')
                                if isinstance(data_value__counts__beadsclosed, (int, float, Decimal)) and not isinstance(data_value__counts__beadsclosed, bool):
                                    if data_value__counts__beadsclosed < 0:
                                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".{data_key}.counts.beads_closed".format(**locals()) + " must be bigger than or equal to 0", value=data_value__counts__beadsclosed, name="" + (name_prefix or "data") + ".{data_key}.counts.beads_closed".format(**locals()) + "", definition={'type': 'integer', 'minimum': 0, 'description': 'Beads closed since the previous sample (count).'}, rule='minimum')
                            if "interval_seconds" in data_value__counts_keys:
                                data_value__counts_keys.remove("interval_seconds")
                                data_value__counts__intervalseconds = data_value__counts["interval_seconds"]
                                if not isinstance(data_value__counts__intervalseconds, (int, float, Decimal)) or isinstance(data_value__counts__intervalseconds, bool):
                                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".{data_key}.counts.interval_seconds".format(**locals()) + " must be number", value=data_value__counts__intervalseconds, name="" + (name_prefix or "data") + ".{data_key}.counts.interval_seconds".format(**locals()) + "", definition={'type': 'number', 'exclusiveMinimum': 0, 'description': 'Time since the previous sample (seconds; operator-seconds in a cohort): throughput = beads_closed / interval_seconds * 3600.'}, rule='type')
                                if isinstance(data_value__counts__intervalseconds, (int, float, Decimal)) and not isinstance(data_value__counts__intervalseconds, bool):
                                    if data_value__counts__intervalseconds <= 0:
                                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".{data_key}.counts.interval_seconds".format(**locals()) + " must be bigger than 0", value=data_value__counts__intervalseconds, name="" + (name_prefix or "data") + ".{data_key}.counts.interval_seconds".format(**locals()) + "", definition={'type': 'number', 'exclusiveMinimum': 0, 'description': 'Time since the previous sample (seconds; operator-seconds in a cohort): throughput = beads_closed / interval_seconds * 3600.'}, rule='exclusiveMinimum')
                            for data_value__counts_key in data_value__counts_keys:
                                if data_value__counts_key not in ['commands', 'errors', 'lock_busy', 'agents_done', 'agents_errored', 'agents_total', 'beads_closed', 'interval_seconds']:
                                    data_value__counts_value = data_value__counts.get(data_value__counts_key)
                                    if not isinstance(data_value__counts_value, (int, float, Decimal)) or isinstance(data_value__counts_value, bool):
                                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".{data_key}.counts.{data_value__counts_key}".format(**locals()) + " must be number", value=data_value__counts_value, name="" + (name_prefix or "data") + ".{data_key}.counts.{data_value__counts_key}".format(**locals()) + "", definition={'type': 'number', 'minimum': 0, 'description': 'Any other count (non-negative).'}, rule='type')
                                    if isinstance(data_value__counts_value, (int, float, Decimal)) and not isinstance(data_value__counts_value, bool):
                                        if data_value__counts_value < 0:
                                            raise JsonSchemaValueException("" + (name_prefix or "data") + ".{data_key}.counts.{data_value__counts_key}".format(**locals()) + " must be bigger than or equal to 0", value=data_value__counts_value, name="" + (name_prefix or "data") + ".{data_key}.counts.{data_value__counts_key}".format(**locals()) + "", definition={'type': 'number', 'minimum': 0, 'description': 'Any other count (non-negative).'}, rule='minimum')
                            data_value__counts_len = len(data_value__counts)
                            if data_value__counts_len != 0:
                                data_value__counts_property_names = True
                                for data_value__counts_key in data_value__counts:
                                    try:
                                        if not isinstance(data_value__counts_key, (str)):
                                            raise JsonSchemaValueException("" + (name_prefix or "data") + ".{data_key}.counts".format(**locals()) + " must be string", value=data_value__counts_key, name="" + (name_prefix or "data") + ".{data_key}.counts".format(**locals()) + "", definition={'type': 'string', 'pattern': '^[A-Za-z_][A-Za-z0-9_-]*$(?!\\n)'}, rule='type')
                                        if isinstance(data_value__counts_key, str):
                                            if not _PATTERNS_operators['^[A-Za-z_][A-Za-z0-9_-]*$(?!\\n)'].search(data_value__counts_key):
                                                raise JsonSchemaValueException("" + (name_prefix or "data") + ".{data_key}.counts".format(**locals()) + " must match pattern ^[A-Za-z_][A-Za-z0-9_-]*$(?!\\n)", value=data_value__counts_key, name="" + (name_prefix or "data") + ".{data_key}.counts".format(**locals()) + "", definition={'type': 'string', 'pattern': '^[A-Za-z_][A-Za-z0-9_-]*$(?!\\n)'}, rule='pattern')
                                    except (JsonSchemaValueException, JsonSchemaValuesException):
                                        data_value__counts_property_names = False
                                if not data_value__counts_property_names:
                                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".{data_key}.counts".format(**locals()) + " must be named by propertyName definition", value=data_value__counts, name="" + (name_prefix or "data") + ".{data_key}.counts".format(**locals()) + "", definition={'type': 'object', 'propertyNames': {'type': 'string', 'pattern': '^[A-Za-z_][A-Za-z0-9_-]*$(?!\\n)'}, 'additionalProperties': {'type': 'number', 'minimum': 0, 'description': 'Any other count (non-negative).'}, 'properties': {'commands': {'type': 'integer', 'minimum': 0, 'description': 'Operator commands in the sampled history (count): the denominator of error_rate and lock_contention_rate.'}, 'errors': {'type': 'integer', 'minimum': 0, 'description': 'Of those, commands that failed (count): error_rate = errors / commands.'}, 'lock_busy': {'type': 'integer', 'minimum': 0, 'description': "Of those, commands that failed because a lock was held, swarm's BUSY (count): lock_contention_rate = lock_busy / commands."}, 'agents_done': {'type': 'integer', 'minimum': 0, 'description': 'Swarm agents that finished their work (count).'}, 'agents_errored': {'type': 'integer', 'minimum': 0, 'description': 'Swarm agents in error (count): agent_completion_rate = agents_done / (agents_done + agents_errored).'}, 'agents_total': {'type': 'integer', 'minimum': 0, 'description': 'Swarm agents known (count).'}, 'beads_closed': {'type': 'integer', 'minimum': 0, 'description': 'Beads closed since the previous sample (count).'}, 'interval_seconds': {'type': 'number', 'exclusiveMinimum': 0, 'description': 'Time since the previous sample (seconds; operator-seconds in a cohort): throughput = beads_closed / interval_seconds * 3600.'}}}, rule='propertyNames')
                    if "metrics" in data_value_keys:
                        data_value_keys.remove("metrics")
                        data_value__metrics = data_value["metrics"]
                        if not isinstance(data_value__metrics, (dict)):
                            raise JsonSchemaValueException("" + (name_prefix or "data") + ".{data_key}.metrics".format(**locals()) + " must be object", value=data_value__metrics, name="" + (name_prefix or "data") + ".{data_key}.metrics".format(**locals()) + "", definition={'type': 'object', 'propertyNames': {'type': 'string', 'pattern': '^[A-Za-z_][A-Za-z0-9_-]*$(?!\\n)'}, 'additionalProperties': {'type': 'number', 'description': 'Any other metric (double).'}, 'properties': {'error_rate': {'type': 'number', 'minimum': 0, 'maximum': 1, 'description': 'Share of failed operator commands in the window (ratio 0..1).'}, 'lock_contention_rate': {'type': 'number', 'minimum': 0, 'maximum': 1, 'description': 'Share of commands that hit lock contention (ratio 0..1).'}, 'agents_total': {'type': 'integer', 'minimum': 0, 'description': 'Swarm agents known (count).'}, 'agents_failed': {'type': 'integer', 'minimum': 0, 'description': 'Swarm agents in error (count).'}, 'agent_completion_rate': {'type': 'number', 'minimum': 0, 'maximum': 1, 'description': 'Share of agent runs that completed (ratio 0..1).'}, 'throughput': {'type': 'number', 'minimum': 0, 'description': 'Beads closed per hour (beads/h).'}, 'new_failures': {'type': 'number', 'minimum': 0, 'description': 'New swarm failure events since the previous sample (count of `swarm monitor --view failures` rows with a higher seq; absent on the first sample).'}}}, rule='type')
                        data_value__metrics_is_dict = isinstance(data_value__metrics, dict)
                        if data_value__metrics_is_dict:
                            data_value__metrics_keys = set(data_value__metrics.keys())
                            if "error_rate" in data_value__metrics_keys:
                                data_value__metrics_keys.remove("error_rate")
                                data_value__metrics__errorrate = data_value__metrics["error_rate"]
                                if not isinstance(data_value__metrics__errorrate, (int, float, Decimal)) or isinstance(data_value__metrics__errorrate, bool):
                                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".{data_key}.metrics.error_rate".format(**locals()) + " must be number", value=data_value__metrics__errorrate, name="" + (name_prefix or "data") + ".{data_key}.metrics.error_rate".format(**locals()) + "", definition={'type': 'number', 'minimum': 0, 'maximum': 1, 'description': 'Share of failed operator commands in the window (ratio 0..1).'}, rule='type')
                                if isinstance(data_value__metrics__errorrate, (int, float, Decimal)) and not isinstance(data_value__metrics__errorrate, bool):
                                    if data_value__metrics__errorrate < 0:
                                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".{data_key}.metrics.error_rate".format(**locals()) + " must be bigger than or equal to 0", value=data_value__metrics__errorrate, name="" + (name_prefix or "data") + ".{data_key}.metrics.error_rate".format(**locals()) + "", definition={'type': 'number', 'minimum': 0, 'maximum': 1, 'description': 'Share of failed operator commands in the window (ratio 0..1).'}, rule='minimum')
                                    if data_value__metrics__errorrate > 1:
                                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".{data_key}.metrics.error_rate".format(**locals()) + " must be smaller than or equal to 1", value=data_value__metrics__errorrate, name="" + (name_prefix or "data") + ".{data_key}.metrics.error_rate".format(**locals()) + "", definition={'type': 'number', 'minimum': 0, 'maximum': 1, 'description': 'Share of failed operator commands in the window (ratio 0..1).'}, rule='maximum')
                            if "lock_contention_rate" in data_value__metrics_keys:
                                data_value__metrics_keys.remove("lock_contention_rate")
                                data_value__metrics__lockcontentionrate = data_value__metrics["lock_contention_rate"]
                                if not isinstance(data_value__metrics__lockcontentionrate, (int, float, Decimal)) or isinstance(data_value__metrics__lockcontentionrate, bool):
                                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".{data_key}.metrics.lock_contention_rate".format(**locals()) + " must be number", value=data_value__metrics__lockcontentionrate, name="" + (name_prefix or "data") + ".{data_key}.metrics.lock_contention_rate".format(**locals()) + "", definition={'type': 'number', 'minimum': 0, 'maximum': 1, 'description': 'Share of commands that hit lock contention (ratio 0..1).'}, rule='type')
                                if isinstance(data_value__metrics__lockcontentionrate, (int, float, Decimal)) and not isinstance(data_value__metrics__lockcontentionrate, bool):
                                    if data_value__metrics__lockcontentionrate < 0:
                                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".{data_key}.metrics.lock_contention_rate".format(**locals()) + " must be bigger than or equal to 0", value=data_value__metrics__lockcontentionrate, name="" + (name_prefix or "data") + ".{data_key}.metrics.lock_contention_rate".format(**locals()) + "", definition={'type': 'number', 'minimum': 0, 'maximum': 1, 'description': 'Share of commands that hit lock contention (ratio 0..1).'}, rule='minimum')
                                    if data_value__metrics__lockcontentionrate > 1:
                                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".{data_key}.metrics.lock_contention_rate".format(**locals()) + " must be smaller than or equal to 1", value=data_value__metrics__lockcontentionrate, name="" + (name_prefix or "data") + ".{data_key}.metrics.lock_contention_rate".format(**locals()) + "", definition={'type': 'number', 'minimum': 0, 'maximum': 1, 'description': 'Share of commands that hit lock contention (ratio 0..1).'}, rule='maximum')
                            if "agents_total" in data_value__metrics_keys:
                                data_value__metrics_keys.remove("agents_total")
                                data_value__metrics__agentstotal = data_value__metrics["agents_total"]
                                if not isinstance(data_value__metrics__agentstotal, (int)) and not (isinstance(data_value__metrics__agentstotal, float) and data_value__metrics__agentstotal.is_integer()) or isinstance(data_value__metrics__agentstotal, bool):
                                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".{data_key}.metrics.agents_total".format(**locals()) + " must be integer", value=data_value__metrics__agentstotal, name="" + (name_prefix or "data") + ".{data_key}.metrics.agents_total".format(**locals()) + "", definition={'type': 'integer', 'minimum': 0, 'description': 'Swarm agents known (count).'}, rule='type')
                                if isinstance(data_value__metrics__agentstotal, (int, float, Decimal)) and not isinstance(data_value__metrics__agentstotal, bool):
                                    if data_value__metrics__agentstotal < 0:
                                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".{data_key}.metrics.agents_total".format(**locals()) + " must be bigger than or equal to 0", value=data_value__metrics__agentstotal, name="" + (name_prefix or "data") + ".{data_key}.metrics.agents_total".format(**locals()) + "", definition={'type': 'integer', 'minimum': 0, 'description': 'Swarm agents known (count).'}, rule='minimum')
                            if "agents_failed" in data_value__metrics_keys:
                                data_value__metrics_keys.remove("agents_failed")
                                data_value__metrics__agentsfailed = data_value__metrics["agents_failed"]
                                if not isinstance(data_value__metrics__agentsfailed, (int)) and not (isinstance(data_value__metrics__agentsfailed, float) and data_value__metrics__agentsfailed.is_integer()) or isinstance(data_value__metrics__agentsfailed, bool):
                                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".{data_key}.metrics.agents_failed".format(**locals()) + " must be integer", value=data_value__metrics__agentsfailed, name="" + (name_prefix or "data") + ".{data_key}.metrics.agents_failed".format(**locals()) + "", definition={'type': 'integer', 'minimum': 0, 'description': 'Swarm agents in error (count).'}, rule='type')
                                if isinstance(data_value__metrics__agentsfailed, (int, float, Decimal)) and not isinstance(data_value__metrics__agentsfailed, bool):
                                    if data_value__metrics__agentsfailed < 0:
                                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".{data_key}.metrics.agents_failed".format(**locals()) + " must be bigger than or equal to 0", value=data_value__metrics__agentsfailed, name="" + (name_prefix or "data") + ".{data_key}.metrics.agents_failed".format(**locals()) + "", definition={'type': 'integer', 'minimum': 0, 'description': 'Swarm agents in error (count).'}, rule='minimum')
                            if "agent_completion_rate" in data_value__metrics_keys:
                                data_value__metrics_keys.remove("agent_completion_rate")
                                data_value__metrics__agentcompletionrate = data_value__metrics["agent_completion_rate"]
                                if not isinstance(data_value__metrics__agentcompletionrate, (int, float, Decimal)) or isinstance(data_value__metrics__agentcompletionrate, bool):
                                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".{data_key}.metrics.agent_completion_rate".format(**locals()) + " must be number", value=data_value__metrics__agentcompletionrate, name="" + (name_prefix or "data") + ".{data_key}.metrics.agent_completion_rate".format(**locals()) + "", definition={'type': 'number', 'minimum': 0, 'maximum': 1, 'description': 'Share of agent runs that completed (ratio 0..1).'}, rule='type')
                                if isinstance(data_value__metrics__agentcompletionrate, (int, float, Decimal)) and not isinstance(data_value__metrics__agentcompletionrate, bool):
                                    if data_value__metrics__agentcompletionrate < 0:
                                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".{data_key}.metrics.agent_completion_rate".format(**locals()) + " must be bigger than or equal to 0", value=data_value__metrics__agentcompletionrate, name="" + (name_prefix or "data") + ".{data_key}.metrics.agent_completion_rate".format(**locals()) + "", definition={'type': 'number', 'minimum': 0, 'maximum': 1, 'description': 'Share of agent runs that completed (ratio 0..1).'}, rule='minimum')
                                    if data_value__metrics__agentcompletionrate > 1:
                                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".{data_key}.metrics.agent_completion_rate".format(**locals()) + " must be smaller than or equal to 1", value=data_value__metrics__agentcompletionrate, name="" + (name_prefix or "data") + ".{data_key}.metrics.agent_completion_rate".format(**locals()) + "", definition={'type': 'number', 'minimum': 0, 'maximum': 1, 'description': 'Share of agent runs that completed (ratio 0..1).'}, rule='maximum')
                            if "throughput" in data_value__metrics_keys:
                                data_value__metrics_keys.remove("throughput")
                                data_value__metrics__throughput = data_value__metrics["throughput"]
                                if not isinstance(data_value__metrics__throughput, (int, float, Decimal)) or isinstance(data_value__metrics__throughput, bool):
                                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".{data_key}.metrics.throughput".format(**locals()) + " must be number", value=data_value__metrics__throughput, name="" + (name_prefix or "data") + ".{data_key}.metrics.throughput".format(**locals()) + "", definition={'type': 'number', 'minimum': 0, 'description': 'Beads closed per hour (beads/h).'}, rule='type')
                                if isinstance(data_value__metrics__throughput, (int, float, Decimal)) and not isinstance(data_value__metrics__throughput, bool):
                                    if data_value__metrics__throughput < 0:
                                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".{data_key}.metrics.throughput".format(**locals()) + " must be bigger than or equal to 0", value=data_value__metrics__throughput, name="" + (name_prefix or "data") + ".{data_key}.metrics.throughput".format(**locals()) + "", definition={'type': 'number', 'minimum': 0, 'description': 'Beads closed per hour (beads/h).'}, rule='minimum')
                            if "new_failures" in data_value__metrics_keys:
                                data_value__metrics_keys.remove("new_failures")
                                data_value__metrics__newfailures = data_value__metrics["new_failures"]
                                if not isinstance(data_value__metrics__newfailures, (int, float, Decimal)) or isinstance(data_value__metrics__newfailures, bool):
                                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".{data_key}.metrics.new_failures".format(**locals()) + " must be number", value=data_value__metrics__newfailures, name="" + (name_prefix or "data") + ".{data_key}.metrics.new_failures".format(**locals()) + "", definition={'type': 'number', 'minimum': 0, 'description': 'New swarm failure events since the previous sample (count of `swarm monitor --view failures` rows with a higher seq; absent on the first sample).'}, rule='type')
                                if isinstance(data_value__metrics__newfailures, (int, float, Decimal)) and not isinstance(data_value__metrics__newfailures, bool):
                                    if data_value__metrics__newfailures < 0:
                                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".{data_key}.metrics.new_failures".format(**locals()) + " must be bigger than or equal to 0", value=data_value__metrics__newfailures, name="" + (name_prefix or "data") + ".{data_key}.metrics.new_failures".format(**locals()) + "", definition={'type': 'number', 'minimum': 0, 'description': 'New swarm failure events since the previous sample (count of `swarm monitor --view failures` rows with a higher seq; absent on the first sample).'}, rule='minimum')
                            for data_value__metrics_key in data_value__metrics_keys:
                                if data_value__metrics_key not in ['error_rate', 'lock_contention_rate', 'agents_total', 'agents_failed', 'agent_completion_rate', 'throughput', 'new_failures']:
                                    data_value__metrics_value = data_value__metrics.get(data_value__metrics_key)
                                    if not isinstance(data_value__metrics_value, (int, float, Decimal)) or isinstance(data_value__metrics_value, bool):
                                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".{data_key}.metrics.{data_value__metrics_key}".format(**locals()) + " must be number", value=data_value__metrics_value, name="" + (name_prefix or "data") + ".{data_key}.metrics.{data_value__metrics_key}".format(**locals()) + "", definition={'type': 'number', 'description': 'Any other metric (double).'}, rule='type')
                            data_value__metrics_len = len(data_value__metrics)
                            if data_value__metrics_len != 0:
                                data_value__metrics_property_names = True
                                for data_value__metrics_key in data_value__metrics:
                                    try:
                                        if not isinstance(data_value__metrics_key, (str)):
                                            raise JsonSchemaValueException("" + (name_prefix or "data") + ".{data_key}.metrics".format(**locals()) + " must be string", value=data_value__metrics_key, name="" + (name_prefix or "data") + ".{data_key}.metrics".format(**locals()) + "", definition={'type': 'string', 'pattern': '^[A-Za-z_][A-Za-z0-9_-]*$(?!\\n)'}, rule='type')
                                        if isinstance(data_value__metrics_key, str):
                                            if not _PATTERNS_operators['^[A-Za-z_][A-Za-z0-9_-]*$(?!\\n)'].search(data_value__metrics_key):
                                                raise JsonSchemaValueException("" + (name_prefix or "data") + ".{data_key}.metrics".format(**locals()) + " must match pattern ^[A-Za-z_][A-Za-z0-9_-]*$(?!\\n)", value=data_value__metrics_key, name="" + (name_prefix or "data") + ".{data_key}.metrics".format(**locals()) + "", definition={'type': 'string', 'pattern': '^[A-Za-z_][A-Za-z0-9_-]*$(?!\\n)'}, rule='pattern')
                                    except (JsonSchemaValueException, JsonSchemaValuesException):
                                        data_value__metrics_property_names = False
                                if not data_value__metrics_property_names:
                                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".{data_key}.metrics".format(**locals()) + " must be named by propertyName definition", value=data_value__metrics, name="" + (name_prefix or "data") + ".{data_key}.metrics".format(**locals()) + "", definition={'type': 'object', 'propertyNames': {'type': 'string', 'pattern': '^[A-Za-z_][A-Za-z0-9_-]*$(?!\\n)'}, 'additionalProperties': {'type': 'number', 'description': 'Any other metric (double).'}, 'properties': {'error_rate': {'type': 'number', 'minimum': 0, 'maximum': 1, 'description': 'Share of failed operator commands in the window (ratio 0..1).'}, 'lock_contention_rate': {'type': 'number', 'minimum': 0, 'maximum': 1, 'description': 'Share of commands that hit lock contention (ratio 0..1).'}, 'agents_total': {'type': 'integer', 'minimum': 0, 'description': 'Swarm agents known (count).'}, 'agents_failed': {'type': 'integer', 'minimum': 0, 'description': 'Swarm agents in error (count).'}, 'agent_completion_rate': {'type': 'number', 'minimum': 0, 'maximum': 1, 'description': 'Share of agent runs that completed (ratio 0..1).'}, 'throughput': {'type': 'number', 'minimum': 0, 'description': 'Beads closed per hour (beads/h).'}, 'new_failures': {'type': 'number', 'minimum': 0, 'description': 'New swarm failure events since the previous sample (count of `swarm monitor --view failures` rows with a higher seq; absent on the first sample).'}}}, rule='propertyNames')
                    if "baseline" in data_value_keys:
                        data_value_keys.remove("baseline")
                        data_value__baseline = data_value["baseline"]
                        if not isinstance(data_value__baseline, (dict)):
                            raise JsonSchemaValueException("" + (name_prefix or "data") + ".{data_key}.baseline".format(**locals()) + " must be object", value=data_value__baseline, name="" + (name_prefix or "data") + ".{data_key}.baseline".format(**locals()) + "", definition={'type': 'object', 'propertyNames': {'type': 'string', 'pattern': '^[A-Za-z_][A-Za-z0-9_-]*$(?!\\n)'}, 'additionalProperties': {'type': 'number', 'description': 'Any other metric (double).'}, 'properties': {'error_rate': {'type': 'number', 'minimum': 0, 'maximum': 1, 'description': 'Share of failed operator commands in the window (ratio 0..1).'}, 'lock_contention_rate': {'type': 'number', 'minimum': 0, 'maximum': 1, 'description': 'Share of commands that hit lock contention (ratio 0..1).'}, 'agents_total': {'type': 'integer', 'minimum': 0, 'description': 'Swarm agents known (count).'}, 'agents_failed': {'type': 'integer', 'minimum': 0, 'description': 'Swarm agents in error (count).'}, 'agent_completion_rate': {'type': 'number', 'minimum': 0, 'maximum': 1, 'description': 'Share of agent runs that completed (ratio 0..1).'}, 'throughput': {'type': 'number', 'minimum': 0, 'description': 'Beads closed per hour (beads/h).'}, 'new_failures': {'type': 'number', 'minimum': 0, 'description': 'New swarm failure events since the previous sample (count of `swarm monitor --view failures` rows with a higher seq; absent on the first sample).'}}, 'description': "That operator's baseline, kept only when the cohort has none (the operators' baselines disagree, or one gave none): the rollback rules judge that operator's own metrics against it."}, rule='type')
                        data_value__baseline_is_dict = isinstance(data_value__baseline, dict)
                        if data_value__baseline_is_dict:
                            data_value__baseline_keys = set(data_value__baseline.keys())
                            if "error_rate" in data_value__baseline_keys:
                                data_value__baseline_keys.remove("error_rate")
                                data_value__baseline__errorrate = data_value__baseline["error_rate"]
                                if not isinstance(data_value__baseline__errorrate, (int, float, Decimal)) or isinstance(data_value__baseline__errorrate, bool):
                                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".{data_key}.baseline.error_rate".format(**locals()) + " must be number", value=data_value__baseline__errorrate, name="" + (name_prefix or "data") + ".{data_key}.baseline.error_rate".format(**locals()) + "", definition={'type': 'number', 'minimum': 0, 'maximum': 1, 'description': 'Share of failed operator commands in the window (ratio 0..1).'}, rule='type')
                                if isinstance(data_value__baseline__errorrate, (int, float, Decimal)) and not isinstance(data_value__baseline__errorrate, bool):
                                    if data_value__baseline__errorrate < 0:
                                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".{data_key}.baseline.error_rate".format(**locals()) + " must be bigger than or equal to 0", value=data_value__baseline__errorrate, name="" + (name_prefix or "data") + ".{data_key}.baseline.error_rate".format(**locals()) + "", definition={'type': 'number', 'minimum': 0, 'maximum': 1, 'description': 'Share of failed operator commands in the window (ratio 0..1).'}, rule='minimum')
                                    if data_value__baseline__errorrate > 1:
                                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".{data_key}.baseline.error_rate".format(**locals()) + " must be smaller than or equal to 1", value=data_value__baseline__errorrate, name="" + (name_prefix or "data") + ".{data_key}.baseline.error_rate".format(**locals()) + "", definition={'type': 'number', 'minimum': 0, 'maximum': 1, 'description': 'Share of failed operator commands in the window (ratio 0..1).'}, rule='maximum')
                            if "lock_contention_rate" in data_value__baseline_keys:
                                data_value__baseline_keys.remove("lock_contention_rate")
                                data_value__baseline__lockcontentionrate = data_value__baseline["lock_contention_rate"]
                                if not isinstance(data_value__baseline__lockcontentionrate, (int, float, Decimal)) or isinstance(data_value__baseline__lockcontentionrate, bool):
                                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".{data_key}.baseline.lock_contention_rate".format(**locals()) + " must be number", value=data_value__baseline__lockcontentionrate, name="" + (name_prefix or "data") + ".{data_key}.baseline.lock_contention_rate".format(**locals()) + "", definition={'type': 'number', 'minimum': 0, 'maximum': 1, 'description': 'Share of commands that hit lock contention (ratio 0..1).'}, rule='type')
                                if isinstance(data_value__baseline__lockcontentionrate, (int, float, Decimal)) and not isinstance(data_value__baseline__lockcontentionrate, bool):
                                    if data_value__baseline__lockcontentionrate < 0:
                                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".{data_key}.baseline.lock_contention_rate".format(**locals()) + " must be bigger than or equal to 0", value=data_value__baseline__lockcontentionrate, name="" + (name_prefix or "data") + ".{data_key}.baseline.lock_contention_rate".format(**locals()) + "", definition={'type': 'number', 'minimum': 0, 'maximum': 1, 'description': 'Share of commands that hit lock contention (ratio 0..1).'}, rule='minimum')
                                    if data_value__baseline__lockcontentionrate > 1:
                                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".{data_key}.baseline.lock_contention_rate".format(**locals()) + " must be smaller than or equal to 1", value=data_value__baseline__lockcontentionrate, name="" + (name_prefix or "data") + ".{data_key}.baseline.lock_contention_rate".format(**locals()) + "", definition={'type': 'number', 'minimum': 0, 'maximum': 1, 'description': 'Share of commands that hit lock contention (ratio 0..1).'}, rule='maximum')
                            if "agents_total" in data_value__baseline_keys:
                                data_value__baseline_keys.remove("agents_total")
                                data_value__baseline__agentstotal = data_value__baseline["agents_total"]
                                if not isinstance(data_value__baseline__agentstotal, (int)) and not (isinstance(data_value__baseline__agentstotal, float) and data_value__baseline__agentstotal.is_integer()) or isinstance(data_value__baseline__agentstotal, bool):
                                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".{data_key}.baseline.agents_total".format(**locals()) + " must be integer", value=data_value__baseline__agentstotal, name="" + (name_prefix or "data") + ".{data_key}.baseline.agents_total".format(**locals()) + "", definition={'type': 'integer', 'minimum': 0, 'description': 'Swarm agents known (count).'}, rule='type')
                                if isinstance(data_value__baseline__agentstotal, (int, float, Decimal)) and not isinstance(data_value__baseline__agentstotal, bool):
                                    if data_value__baseline__agentstotal < 0:
                                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".{data_key}.baseline.agents_total".format(**locals()) + " must be bigger than or equal to 0", value=data_value__baseline__agentstotal, name="" + (name_prefix or "data") + ".{data_key}.baseline.agents_total".format(**locals()) + "", definition={'type': 'integer', 'minimum': 0, 'description': 'Swarm agents known (count).'}, rule='minimum')
                            if "agents_failed" in data_value__baseline_keys:
                                data_value__baseline_keys.remove("agents_failed")
                                data_value__baseline__agentsfailed = data_value__baseline["agents_failed"]
                                if not isinstance(data_value__baseline__agentsfailed, (int)) and not (isinstance(data_value__baseline__agentsfailed, float) and data_value__baseline__agentsfailed.is_integer()) or isinstance(data_value__baseline__agentsfailed, bool):
                                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".{data_key}.baseline.agents_failed".format(**locals()) + " must be integer", value=data_value__baseline__agentsfailed, name="" + (name_prefix or "data") + ".{data_key}.baseline.agents_failed".format(**locals()) + "", definition={'type': 'integer', 'minimum': 0, 'description': 'Swarm agents in error (count).'}, rule='type')
                                if isinstance(data_value__baseline__agentsfailed, (int, float, Decimal)) and not isinstance(data_value__baseline__agentsfailed, bool):
                                    if data_value__baseline__agentsfailed < 0:
                                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".{data_key}.baseline.agents_failed".format(**locals()) + " must be bigger than or equal to 0", value=data_value__baseline__agentsfailed, name="" + (name_prefix or "data") + ".{data_key}.baseline.agents_failed".format(**locals()) + "", definition={'type': 'integer', 'minimum': 0, 'description': 'Swarm agents in error (count).'}, rule='minimum')
                            if "agent_completion_rate" in data_value__baseline_keys:
                                data_value__baseline_keys.remove("agent_completion_rate")
                                data_value__baseline__agentcompletionrate = data_value__baseline["agent_completion_rate"]
                                if not isinstance(data_value__baseline__agentcompletionrate, (int, float, Decimal)) or isinstance(data_value__baseline__agentcompletionrate, bool):
                                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".{data_key}.baseline.agent_completion_rate".format(**locals()) + " must be number", value=data_value__baseline__agentcompletionrate, name="" + (name_prefix or "data") + ".{data_key}.baseline.agent_completion_rate".format(**locals()) + "", definition={'type': 'number', 'minimum': 0, 'maximum': 1, 'description': 'Share of agent runs that completed (ratio 0..1).'}, rule='type')
                                if isinstance(data_value__baseline__agentcompletionrate, (int, float, Decimal)) and not isinstance(data_value__baseline__agentcompletionrate, bool):
                                    if data_value__baseline__agentcompletionrate < 0:
                                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".{data_key}.baseline.agent_completion_rate".format(**locals()) + " must be bigger than or equal to 0", value=data_value__baseline__agentcompletionrate, name="" + (name_prefix or "data") + ".{data_key}.baseline.agent_completion_rate".format(**locals()) + "", definition={'type': 'number', 'minimum': 0, 'maximum': 1, 'description': 'Share of agent runs that completed (ratio 0..1).'}, rule='minimum')
                                    if data_value__baseline__agentcompletionrate > 1:
                                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".{data_key}.baseline.agent_completion_rate".format(**locals()) + " must be smaller than or equal to 1", value=data_value__baseline__agentcompletionrate, name="" + (name_prefix or "data") + ".{data_key}.baseline.agent_completion_rate".format(**locals()) + "", definition={'type': 'number', 'minimum': 0, 'maximum': 1, 'description': 'Share of agent runs that completed (ratio 0..1).'}, rule='maximum')
                            if "throughput" in data_value__baseline_keys:
                                data_value__baseline_keys.remove("throughput")
                                data_value__baseline__throughput = data_value__baseline["throughput"]
                                if not isinstance(data_value__baseline__throughput, (int, float, Decimal)) or isinstance(data_value__baseline__throughput, bool):
                                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".{data_key}.baseline.throughput".format(**locals()) + " must be number", value=data_value__baseline__throughput, name="" + (name_prefix or "data") + ".{data_key}.baseline.throughput".format(**locals()) + "", definition={'type': 'number', 'minimum': 0, 'description': 'Beads closed per hour (beads/h).'}, rule='type')
                                if isinstance(data_value__baseline__throughput, (int, float, Decimal)) and not isinstance(data_value__baseline__throughput, bool):
                                    if data_value__baseline__throughput < 0:
                                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".{data_key}.baseline.throughput".format(**locals()) + " must be bigger than or equal to 0", value=data_value__baseline__throughput, name="" + (name_prefix or "data") + ".{data_key}.baseline.throughput".format(**locals()) + "", definition={'type': 'number', 'minimum': 0, 'description': 'Beads closed per hour (beads/h).'}, rule='minimum')
                            if "new_failures" in data_value__baseline_keys:
                                data_value__baseline_keys.remove("new_failures")
                                data_value__baseline__newfailures = data_value__baseline["new_failures"]
                                if not isinstance(data_value__baseline__newfailures, (int, float, Decimal)) or isinstance(data_value__baseline__newfailures, bool):
                                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".{data_key}.baseline.new_failures".format(**locals()) + " must be number", value=data_value__baseline__newfailures, name="" + (name_prefix or "data") + ".{data_key}.baseline.new_failures".format(**locals()) + "", definition={'type': 'number', 'minimum': 0, 'description': 'New swarm failure events since the previous sample (count of `swarm monitor --view failures` rows with a higher seq; absent on the first sample).'}, rule='type')
                                if isinstance(data_value__baseline__newfailures, (int, float, Decimal)) and not isinstance(data_value__baseline__newfailures, bool):
                                    if data_value__baseline__newfailures < 0:
                                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".{data_key}.baseline.new_failures".format(**locals()) + " must be bigger than or equal to 0", value=data_value__baseline__newfailures, name="" + (name_prefix or "data") + ".{data_key}.baseline.new_failures".format(**locals()) + "", definition={'type': 'number', 'minimum': 0, 'description': 'New swarm failure events since the previous sample (count of `swarm monitor --view failures` rows with a higher seq; absent on the first sample).'}, rule='minimum')
                            for data_value__baseline_key in data_value__baseline_keys:
                                if data_value__baseline_key not in ['error_rate', 'lock_contention_rate', 'agents_total', 'agents_failed', 'agent_completion_rate', 'throughput', 'new_failures']:
                                    data_value__baseline_value = data_value__baseline.get(data_value__baseline_key)
                                    if not isinstance(data_value__baseline_value, (int, float, Decimal)) or isinstance(data_value__baseline_value, bool):
                                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".{data_key}.baseline.{data_value__baseline_key}".format(**locals()) + " must be number", value=data_value__baseline_value, name="" + (name_prefix or "data") + ".{data_key}.baseline.{data_value__baseline_key}".format(**locals()) + "", definition={'type': 'number', 'description': 'Any other metric (double).'}, rule='type')
                            data_value__baseline_len = len(data_value__baseline)
                            if data_value__baseline_len != 0:
                                data_value__baseline_property_names = True
                                for data_value__baseline_key in data_value__baseline:
                                    try:
                                        if not isinstance(data_value__baseline_key, (str)):
                                            raise JsonSchemaValueException("" + (name_prefix or "data") + ".{data_key}.baseline".format(**locals()) + " must be string", value=data_value__baseline_key, name="" + (name_prefix or "data") + ".{data_key}.baseline".format(**locals()) + "", definition={'type': 'string', 'pattern': '^[A-Za-z_][A-Za-z0-9_-]*$(?!\\n)'}, rule='type')
                                        if isinstance(data_value__baseline_key, str):
                                            if not _PATTERNS_operators['^[A-Za-z_][A-Za-z0-9_-]*$(?!\\n)'].search(data_value__baseline_key):
                                                raise JsonSchemaValueException("" + (name_prefix or "data") + ".{data_key}.baseline".format(**locals()) + " must match pattern ^[A-Za-z_][A-Za-z0-9_-]*$(?!\\n)", value=data_value__baseline_key, name="" + (name_prefix or "data") + ".{data_key}.baseline".format(**locals()) + "", definition={'type': 'string', 'pattern': '^[A-Za-z_][A-Za-z0-9_-]*$(?!\\n)'}, rule='pattern')
                                    except (JsonSchemaValueException, JsonSchemaValuesException):
                                        data_value__baseline_property_names = False
                                if not data_value__baseline_property_names:
                                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".{data_key}.baseline".format(**locals()) + " must be named by propertyName definition", value=data_value__baseline, name="" + (name_prefix or "data") + ".{data_key}.baseline".format(**locals()) + "", definition={'type': 'object', 'propertyNames': {'type': 'string', 'pattern': '^[A-Za-z_][A-Za-z0-9_-]*$(?!\\n)'}, 'additionalProperties': {'type': 'number', 'description': 'Any other metric (double).'}, 'properties': {'error_rate': {'type': 'number', 'minimum': 0, 'maximum': 1, 'description': 'Share of failed operator commands in the window (ratio 0..1).'}, 'lock_contention_rate': {'type': 'number', 'minimum': 0, 'maximum': 1, 'description': 'Share of commands that hit lock contention (ratio 0..1).'}, 'agents_total': {'type': 'integer', 'minimum': 0, 'description': 'Swarm agents known (count).'}, 'agents_failed': {'type': 'integer', 'minimum': 0, 'description': 'Swarm agents in error (count).'}, 'agent_completion_rate': {'type': 'number', 'minimum': 0, 'maximum': 1, 'description': 'Share of agent runs that completed (ratio 0..1).'}, 'throughput': {'type': 'number', 'minimum': 0, 'description': 'Beads closed per hour (beads/h).'}, 'new_failures': {'type': 'number', 'minimum': 0, 'description': 'New swarm failure events since the previous sample (count of `swarm monitor --view failures` rows with a higher seq; absent on the first sample).'}}, 'description': "That operator's baseline, kept only when the cohort has none (the operators' baselines disagree, or one gave none): the rollback rules judge that operator's own metrics against it."}, rule='propertyNames')
                    if "stale" in data_value_keys:
                        data_value_keys.remove("stale")
                        data_value__stale = data_value["stale"]
                        if not isinstance(data_value__stale, (bool)):
                            raise JsonSchemaValueException("" + (name_prefix or "data") + ".{data_key}.stale".format(**locals()) + " must be boolean", value=data_value__stale, name="" + (name_prefix or "data") + ".{data_key}.stale".format(**locals()) + "", definition={'type': 'boolean', 'description': "Older than the merge's --max-age: its counts were not trusted."}, rule='type')
                    if "unknown" in data_value_keys:
                        data_value_keys.remove("unknown")
                        data_value__unknown = data_value["unknown"]
                        if not isinstance(data_value__unknown, (dict)):
                            raise JsonSchemaValueException("" + (name_prefix or "data") + ".{data_key}.unknown".format(**locals()) + " must be object", value=data_value__unknown, name="" + (name_prefix or "data") + ".{data_key}.unknown".format(**locals()) + "", definition={'type': 'object', 'additionalProperties': {'type': 'string'}, 'description': "That operator's extra.phasegate_unknown: what it could not measure, and why."}, rule='type')
                        data_value__unknown_is_dict = isinstance(data_value__unknown, dict)
                        if data_value__unknown_is_dict:
                            data_value__unknown_keys = set(data_value__unknown.keys())
                            for data_value__unknown_key in data_value__unknown_keys:
                                if data_value__unknown_key not in []:
                                    data_value__unknown_value = data_value__unknown.get(data_value__unknown_key)
                                    if not isinstance(data_value__unknown_value, (str)):
                                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".{data_key}.unknown.{data_value__unknown_key}".format(**locals()) + " must be string", value=data_value__unknown_value, name="" + (name_prefix or "data") + ".{data_key}.unknown.{data_value__unknown_key}".format(**locals()) + "", definition={'type': 'string'}, rule='type')
                    if data_value_keys:
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".{data_key}".format(**locals()) + " must not contain "+str(data_value_keys)+" properties", value=data_value, name="" + (name_prefix or "data") + ".{data_key}".format(**locals()) + "", definition={'type': 'object', 'additionalProperties': False, 'required': ['collected_at'], 'description': "One operator's part of a merged cohort document.", 'properties': {'source': {'type': 'string', 'description': 'The facts file it came from.'}, 'collected_at': {'type': 'string', 'format': 'date-time', 'description': 'When that operator collected (RFC 3339).'}, 'deployed_version': {'type': 'string', 'description': "What that operator's zjj reported."}, 'counts': {'type': 'object', 'propertyNames': {'type': 'string', 'pattern': '^[A-Za-z_][A-Za-z0-9_-]*$(?!\\n)'}, 'additionalProperties': {'type': 'number', 'minimum': 0, 'description': 'Any other count (non-negative).'}, 'properties': {'commands': {'type': 'integer', 'minimum': 0, 'description': 'Operator commands in the sampled history (count): the denominator of error_rate and lock_contention_rate.'}, 'errors': {'type': 'integer', 'minimum': 0, 'description': 'Of those, commands that failed (count): error_rate = errors / commands.'}, 'lock_busy': {'type': 'integer', 'minimum': 0, 'description': "Of those, commands that failed because a lock was held, swarm's BUSY (count): lock_contention_rate = lock_busy / commands."}, 'agents_done': {'type': 'integer', 'minimum': 0, 'description': 'Swarm agents that finished their work (count).'}, 'agents_errored': {'type': 'integer', 'minimum': 0, 'description': 'Swarm agents in error (count): agent_completion_rate = agents_done / (agents_done + agents_errored).'}, 'agents_total': {'type': 'integer', 'minimum': 0, 'description': 'Swarm agents known (count).'}, 'beads_closed': {'type': 'integer', 'minimum': 0, 'description': 'Beads closed since the previous sample (count).'}, 'interval_seconds': {'type': 'number', 'exclusiveMinimum': 0, 'description': 'Time since the previous sample (seconds; operator-seconds in a cohort): throughput = beads_closed / interval_seconds * 3600.'}}}, 'metrics': {'type': 'object', 'propertyNames': {'type': 'string', 'pattern': '^[A-Za-z_][A-Za-z0-9_-]*$(?!\\n)'}, 'additionalProperties': {'type': 'number', 'description': 'Any other metric (double).'}, 'properties': {'error_rate': {'type': 'number', 'minimum': 0, 'maximum': 1, 'description': 'Share of failed operator commands in the window (ratio 0..1).'}, 'lock_contention_rate': {'type': 'number', 'minimum': 0, 'maximum': 1, 'description': 'Share of commands that hit lock contention (ratio 0..1).'}, 'agents_total': {'type': 'integer', 'minimum': 0, 'description': 'Swarm agents known (count).'}, 'agents_failed': {'type': 'integer', 'minimum': 0, 'description': 'Swarm agents in error (count).'}, 'agent_completion_rate': {'type': 'number', 'minimum': 0, 'maximum': 1, 'description': 'Share of agent runs that completed (ratio 0..1).'}, 'throughput': {'type': 'number', 'minimum': 0, 'description': 'Beads closed per hour (beads/h).'}, 'new_failures': {'type': 'number', 'minimum': 0, 'description': 'New swarm failure events since the previous sample (count of `swarm monitor --view failures` rows with a higher seq; absent on the first sample).'}}}, 'baseline': {'type': 'object', 'propertyNames': {'type': 'string', 'pattern': '^[A-Za-z_][A-Za-z0-9_-]*$(?!\\n)'}, 'additionalProperties': {'type': 'number', 'description': 'Any other metric (double).'}, 'properties': {'error_rate': {'type': 'number', 'minimum': 0, 'maximum': 1, 'description': 'Share of failed operator commands in the window (ratio 0..1).'}, 'lock_contention_rate': {'type': 'number', 'minimum': 0, 'maximum': 1, 'description': 'Share of commands that hit lock contention (ratio 0..1).'}, 'agents_total': {'type': 'integer', 'minimum': 0, 'description': 'Swarm agents known (count).'}, 'agents_failed': {'type': 'integer', 'minimum': 0, 'description': 'Swarm agents in error (count).'}, 'agent_completion_rate': {'type': 'number', 'minimum': 0, 'maximum': 1, 'description': 'Share of agent runs that completed (ratio 0..1).'}, 'throughput': {'type': 'number', 'minimum': 0, 'description': 'Beads closed per hour (beads/h).'}, 'new_failures': {'type': 'number', 'minimum': 0, 'description': 'New swarm failure events since the previous sample (count of `swarm monitor --view failures` rows with a higher seq; absent on the first sample).'}}, 'description': "That operator's baseline, kept only when the cohort has none (the operators' baselines disagree, or one gave none): the rollback rules judge that operator's own metrics against it."}, 'stale': {'type': 'boolean', 'description': "Older than the merge's --max-age: its counts were not trusted."}, 'unknown': {'type': 'object', 'additionalProperties': {'type': 'string'}, 'description': "That operator's extra.phasegate_unknown: what it could not measure, and why."}}}, rule='additionalProperties')
        data_len = len(data)
        if data_len != 0:
            data_property_names = True
            for data_key in data:
                try:
                    if not isinstance(data_key, (str)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + " must be string", value=data_key, name="" + (name_prefix or "data") + "", definition={'type': 'string', 'minLength': 1}, rule='type')
                    if isinstance(data_key, str):
                        data_key_len = len(data_key)
                        if data_key_len < 1:
                            raise JsonSchemaValueException("" + (name_prefix or "data") + " must be longer than or equal to 1 characters", value=data_key, name="" + (name_prefix or "data") + "", definition={'type': 'string', 'minLength': 1}, rule='minLength')
                except (JsonSchemaValueException, JsonSchemaValuesException):
                    data_property_names = False
            if not data_property_names:
                raise JsonSchemaValueException("" + (name_prefix or "data") + " must be named by propertyName definition", value=data, name="" + (name_prefix or "data") + "", definition={'type': 'object', 'description': "Written by `phasegate merge`: operator id -> a summary of that operator's facts document.", 'propertyNames': {'type': 'string', 'minLength': 1}, 'additionalProperties': {'type': 'object', 'additionalProperties': False, 'required': ['collected_at'], 'description': "One operator's part of a merged cohort document.", 'properties': {'source': {'type': 'string', 'description': 'The facts file it came from.'}, 'collected_at': {'type': 'string', 'format': 'date-time', 'description': 'When that operator collected (RFC 3339).'}, 'deployed_version': {'type': 'string', 'description': "What that operator's zjj reported."}, 'counts': {'type': 'object', 'propertyNames': {'type': 'string', 'pattern': '^[A-Za-z_][A-Za-z0-9_-]*$(?!\\n)'}, 'additionalProperties': {'type': 'number', 'minimum': 0, 'description': 'Any other count (non-negative).'}, 'properties': {'commands': {'type': 'integer', 'minimum': 0, 'description': 'Operator commands in the sampled history (count): the denominator of error_rate and lock_contention_rate.'}, 'errors': {'type': 'integer', 'minimum': 0, 'description': 'Of those, commands that failed (count): error_rate = errors / commands.'}, 'lock_busy': {'type': 'integer', 'minimum': 0, 'description': "Of those, commands that failed because a lock was held, swarm's BUSY (count): lock_contention_rate = lock_busy / commands."}, 'agents_done': {'type': 'integer', 'minimum': 0, 'description': 'Swarm agents that finished their work (count).'}, 'agents_errored': {'type': 'integer', 'minimum': 0, 'description': 'Swarm agents in error (count): agent_completion_rate = agents_done / (agents_done + agents_errored).'}, 'agents_total': {'type': 'integer', 'minimum': 0, 'description': 'Swarm agents known (count).'}, 'beads_closed': {'type': 'integer', 'minimum': 0, 'description': 'Beads closed since the previous sample (count).'}, 'interval_seconds': {'type': 'number', 'exclusiveMinimum': 0, 'description': 'Time since the previous sample (seconds; operator-seconds in a cohort): throughput = beads_closed / interval_seconds * 3600.'}}}, 'metrics': {'type': 'object', 'propertyNames': {'type': 'string', 'pattern': '^[A-Za-z_][A-Za-z0-9_-]*$(?!\\n)'}, 'additionalProperties': {'type': 'number', 'description': 'Any other metric (double).'}, 'properties': {'error_rate': {'type': 'number', 'minimum': 0, 'maximum': 1, 'description': 'Share of failed operator commands in the window (ratio 0..1).'}, 'lock_contention_rate': {'type': 'number', 'minimum': 0, 'maximum': 1, 'description': 'Share of commands that hit lock contention (ratio 0..1).'}, 'agents_total': {'type': 'integer', 'minimum': 0, 'description': 'Swarm agents known (count).'}, 'agents_failed': {'type': 'integer', 'minimum': 0, 'description': 'Swarm agents in error (count).'}, 'agent_completion_rate': {'type': 'number', 'minimum': 0, 'maximum': 1, 'description': 'Share of agent runs that completed (ratio 0..1).'}, 'throughput': {'type': 'number', 'minimum': 0, 'description': 'Beads closed per hour (beads/h).'}, 'new_failures': {'type': 'number', 'minimum': 0, 'description': 'New swarm failure events since the previous sample (count of `swarm monitor --view failures` rows with a higher seq; absent on the first sample).'}}}, 'baseline': {'type': 'object', 'propertyNames': {'type': 'string', 'pattern': '^[A-Za-z_][A-Za-z0-9_-]*$(?!\\n)'}, 'additionalProperties': {'type': 'number', 'description': 'Any other metric (double).'}, 'properties': {'error_rate': {'type': 'number', 'minimum': 0, 'maximum': 1, 'description': 'Share of failed operator commands in the window (ratio 0..1).'}, 'lock_contention_rate': {'type': 'number', 'minimum': 0, 'maximum': 1, 'description': 'Share of commands that hit lock contention (ratio 0..1).'}, 'agents_total': {'type': 'integer', 'minimum': 0, 'description': 'Swarm agents known (count).'}, 'agents_failed': {'type': 'integer', 'minimum': 0, 'description': 'Swarm agents in error (count).'}, 'agent_completion_rate': {'type': 'number', 'minimum': 0, 'maximum': 1, 'description': 'Share of agent runs that completed (ratio 0..1).'}, 'throughput': {'type': 'number', 'minimum': 0, 'description': 'Beads closed per hour (beads/h).'}, 'new_failures': {'type': 'number', 'minimum': 0, 'description': 'New swarm failure events since the previous sample (count of `swarm monitor --view failures` rows with a higher seq; absent on the first sample).'}}, 'description': "That operator's baseline, kept only when the cohort has none (the operators' baselines disagree, or one gave none): the rollback rules judge that operator's own metrics against it."}, 'stale': {'type': 'boolean', 'description': "Older than the merge's --max-age: its counts were not trusted."}, 'unknown': {'type': 'object', 'additionalProperties': {'type': 'string'}, 'description': "That operator's extra.phasegate_unknown: what it could not measure, and why."}}}, '$id': 'https://phasegate.dev/facts/operators'}, rule='propertyNames')
    return data
def validate_https___phasegate_dev_facts_labels(data, custom_formats={}, name_prefix=None):
    if not isinstance(data, (dict)):
        raise JsonSchemaValueException("" + (name_prefix or "data") + " must be object", value=data, name="" + (name_prefix or "data") + "", definition={'type': 'object', 'description': 'Free string labels (team, region, ...).', 'additionalProperties': {'type': 'string'}, '$id': 'https://phasegate.dev/facts/labels'}, rule='type')
    data_is_dict = isinstance(data, dict)
    if data_is_dict:
        data_keys = set(data.keys())
        for data_key in data_keys:
            if data_key not in []:
                data_value = data.get(data_key)
                if not isinstance(data_value, (str)):
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".{data_key}".format(**locals()) + " must be string", value=data_value, name="" + (name_prefix or "data") + ".{data_key}".format(**locals()) + "", definition={'type': 'string'}, rule='type')
    return data
def validate_https___phasegate_dev_facts_extra(data, custom_formats={}, name_prefix=None):
    data_is_dict = isinstance(data, dict)
    if data_is_dict:
        data_keys = set(data.keys())
        if "new_failure_categories" in data_keys:
            data_keys.remove("new_failure_categories")
            data__newfailurecategories = data["new_failure_categories"]
            if not isinstance(data__newfailurecategories, (list, tuple)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".new_failure_categories must be array", value=data__newfailurecategories, name="" + (name_prefix or "data") + ".new_failure_categories", definition={'type': 'array', 'items': {'type': 'string'}, 'description': 'Categories of the failure events counted in metrics.new_failures (one entry per event, e.g. test_failure, timeout), from `swarm monitor --view failures`.'}, rule='type')
            data__newfailurecategories_is_list = isinstance(data__newfailurecategories, (list, tuple))
            if data__newfailurecategories_is_list:
                data__newfailurecategories_len = len(data__newfailurecategories)
                for data__newfailurecategories_x, data__newfailurecategories_item in enumerate(data__newfailurecategories):
                    if not isinstance(data__newfailurecategories_item, (str)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".new_failure_categories[{data__newfailurecategories_x}]".format(**locals()) + " must be string", value=data__newfailurecategories_item, name="" + (name_prefix or "data") + ".new_failure_categories[{data__newfailurecategories_x}]".format(**locals()) + "", definition={'type': 'string'}, rule='type')
        if "phasegate_unknown" in data_keys:
            data_keys.remove("phasegate_unknown")
            data__phasegateunknown = data["phasegate_unknown"]
            if not isinstance(data__phasegateunknown, (dict)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".phasegate_unknown must be object", value=data__phasegateunknown, name="" + (name_prefix or "data") + ".phasegate_unknown", definition={'type': 'object', 'additionalProperties': {'type': 'string'}, 'description': 'Optional, written by collect and merge: fact path (e.g. contract, metrics.error_rate) -> why that fact is absent (a source that failed, no contract baseline, a cohort below its minimum, no incidents source). evaluate, explain and run show the reason next to `missing fact`.'}, rule='type')
            data__phasegateunknown_is_dict = isinstance(data__phasegateunknown, dict)
            if data__phasegateunknown_is_dict:
                data__phasegateunknown_keys = set(data__phasegateunknown.keys())
                for data__phasegateunknown_key in data__phasegateunknown_keys:
                    if data__phasegateunknown_key not in []:
                        data__phasegateunknown_value = data__phasegateunknown.get(data__phasegateunknown_key)
                        if not isinstance(data__phasegateunknown_value, (str)):
                            raise JsonSchemaValueException("" + (name_prefix or "data") + ".phasegate_unknown.{data__phasegateunknown_key}".format(**locals()) + " must be string", value=data__phasegateunknown_value, name="" + (name_prefix or "data") + ".phasegate_unknown.{data__phasegateunknown_key}".format(**locals()) + "", definition={'type': 'string'}, rule='type')
    return data

FIELDS = {
    'apiVersion': validate_https___phasegate_dev_facts_apiversion,
    'kind': validate_https___phasegate_dev_facts_kind,
    'phase': validate_https___phasegate_dev_facts_phase,
    'collected_at': validate_https___phasegate_dev_facts_collected_at,
    'phase_started_at': validate_https___phasegate_dev_facts_phase_started_at,
    'change': validate_https___phasegate_dev_facts_change,
    'owners': validate_https___phasegate_dev_facts_owners,
    'deployed_version': validate_https___phasegate_dev_facts_deployed_version,
    'checks': validate_https___phasegate_dev_facts_checks,
    'metrics': validate_https___phasegate_dev_facts_metrics,
    'baseline': validate_https___phasegate_dev_facts_baseline,
    'incidents': validate_https___phasegate_dev_facts_incidents,
    'contract': validate_https___phasegate_dev_facts_contract,
    'state': validate_https___phasegate_dev_facts_state,
    'freeze': validate_https___phasegate_dev_facts_freeze,
    'rollout': validate_https___phasegate_dev_facts_rollout,
    'operator': validate_https___phasegate_dev_facts_operator,
    'counts': validate_https___phasegate_dev_facts_counts,
    'operators': validate_https___phasegate_dev_facts_operators,
    'labels': validate_https___phasegate_dev_facts_labels,
    'extra': validate_https___phasegate_dev_facts_extra,
}
