"""The documents a newcomer reads: links that resolve inside the repository, both languages, the licence."""

import re
import subprocess
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")


def markdown_files() -> list[Path]:
    tracked = subprocess.run(["git", "ls-files", "*.md"], cwd=ROOT, capture_output=True, text=True, check=True)
    return [ROOT / name for name in tracked.stdout.split()] + [ROOT / "README.zh-CN.md"]


def shell_commands(markdown: str) -> set[str]:
    blocks = re.findall(r"```sh\n(.*?)```", markdown, re.S)
    return {line.split("#")[0].strip() for block in blocks for line in block.splitlines() if line.strip()}


def test_every_relative_link_points_at_a_file_in_the_repository():
    broken = []
    for document in set(markdown_files()):
        for target in LINK.findall(document.read_text()):
            if re.match(r"[a-z]+:", target):
                continue
            resolved = (document.parent / target).resolve()
            if not resolved.is_relative_to(ROOT) or not resolved.exists():
                broken.append(f"{document.relative_to(ROOT)}: {target}")
    assert broken == []


def test_the_chinese_readme_is_linked_from_the_top_and_has_the_same_set_up_commands():
    readme = (ROOT / "README.md").read_text()
    chinese = (ROOT / "README.zh-CN.md").read_text()

    assert "README.zh-CN.md" in "\n".join(readme.splitlines()[:5])
    assert shell_commands(readme) == shell_commands(chinese)
    assert "ALLOWED_HOSTS" in chinese and "0.0.0.0" in chinese


def test_the_licence_is_apache_2_0_and_said_so_everywhere():
    licence = (ROOT / "LICENSE").read_text()
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]

    assert "Apache License" in licence and "Version 2.0, January 2004" in licence
    assert "END OF TERMS AND CONDITIONS" in licence
    assert project["license"] == "Apache-2.0"
    assert "Apache" in (ROOT / "README.md").read_text() and "Apache" in (ROOT / "README.zh-CN.md").read_text()


def test_deploy_guide_names_every_security_variable_and_is_linked_from_the_readme():
    guide = (ROOT / "docs" / "DEPLOY.md").read_text()

    for variable in [
        "SECURE_PROXY_SSL_HEADER",
        "CSRF_TRUSTED_ORIGINS",
        "SESSION_COOKIE_SECURE",
        "SECURE_HSTS_SECONDS",
        "SECURE_SSL_REDIRECT",
        "CSP_REPORT_URI",
    ]:
        assert variable in guide
    assert "中文要点" in guide
    assert "docs/DEPLOY.md" in (ROOT / "README.md").read_text()
