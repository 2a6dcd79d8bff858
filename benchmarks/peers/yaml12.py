"""YAML as phasegate reads it (1.2: a bare time stays a string), with libyaml's loader: the
peers read the same facts files phasegate does."""

from __future__ import annotations

from typing import Any

import yaml


class Loader(yaml.CSafeLoader):
    pass


Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in found if tag != "tag:yaml.org,2002:timestamp"]
    for first, found in yaml.CSafeLoader.yaml_implicit_resolvers.items()
}


def load(text: str) -> Any:
    return yaml.load(text, Loader=Loader)
