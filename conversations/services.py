"""The services people can give feedback about, loaded and checked from the deployer's YAML."""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

# Service codes travel in deep links (/start <code>) and in callback data, so keep them to the
# characters and length both allow.
SERVICE_CODE = re.compile(r"[a-z0-9][a-z0-9-]{1,31}")


class ServicesFileError(Exception):
    """The services file is missing or malformed; the message says where."""


class _Service(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    code: str
    name: dict[str, str] = Field(min_length=1)

    @field_validator("code")
    @classmethod
    def _code(cls, value: str) -> str:
        if not SERVICE_CODE.fullmatch(value):
            raise ValueError("codes are 2-32 lowercase letters, digits or dashes")
        return value

    @field_validator("name")
    @classmethod
    def _english_name(cls, value: dict[str, str]) -> dict[str, str]:
        if not value.get("en", "").strip():
            raise ValueError("every service needs an English name (en)")
        if any(len(name) > 60 for name in value.values()):
            raise ValueError("service names must fit on a button (60 characters)")
        return value


class _ServicesFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    services: list[_Service] = Field(min_length=1, max_length=40)


@dataclass(frozen=True)
class Service:
    code: str
    names: dict[str, str]

    def name(self, language: str) -> str:
        return self.names.get(language) or self.names["en"]


@dataclass(frozen=True)
class Services:
    items: tuple[Service, ...]

    def get(self, code: str | None) -> Service | None:
        return next((s for s in self.items if s.code == code), None)


def default_services_file() -> Path:
    return Path(str(resources.files("conversations") / "services.example.yaml"))


def load_services(path: Path) -> Services:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        parsed = _ServicesFile.model_validate(raw)
    except OSError as exc:
        raise ServicesFileError(f"SERVICES_FILE cannot be read: {path} ({exc.strerror})") from None
    except yaml.YAMLError:
        raise ServicesFileError(f"SERVICES_FILE is not valid YAML: {path}") from None
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise ServicesFileError(f"SERVICES_FILE {path}: {where}: {first['msg']}") from None
    codes = [s.code for s in parsed.services]
    if len(set(codes)) != len(codes):
        raise ServicesFileError(f"SERVICES_FILE {path}: service codes must be unique")
    return Services(tuple(Service(s.code, dict(s.name)) for s in parsed.services))
