"""The command line speaks Chinese to the people who use it: every command's and option's help."""

from __future__ import annotations

import re

import typer
from typer.testing import CliRunner

from nianbao import cli

CJK = re.compile(r"[\u4e00-\u9fff]")
runner = CliRunner()


def _commands() -> dict[str, object]:
    group = typer.main.get_command(cli.app)
    return {"": group, **group.commands}  # type: ignore[attr-defined]


def test_every_command_and_option_has_chinese_help():
    for name, command in _commands().items():
        assert CJK.search(command.help or ""), f"nianbao {name}: help in Chinese"  # type: ignore[attr-defined]
        for param in command.params:  # type: ignore[attr-defined]
            if param.name == "help":
                continue
            assert CJK.search(getattr(param, "help", None) or ""), f"nianbao {name} {param.name}"


def test_help_output_is_chinese():
    shown = runner.invoke(cli.app, ["--help"]).output
    assert "可重现、经校验的政府信息公开工作年度报告" in shown
    shown = runner.invoke(cli.app, ["new", "--help"]).output
    assert "填报工作簿" in shown and "报告年度" in shown and "--xlsx" in shown
    shown = runner.invoke(cli.app, ["build", "--help"]).output
    assert "并行进程数" in shown and "退出码" in shown
