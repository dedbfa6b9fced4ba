"""Ships ``templates/`` (beside the package, as the design card wants) inside the wheel.

Everything else is in pyproject.toml; this file only maps the top-level templates
folder to the importable data package ``rekruttering_templates``. Folders that hold
only data (templates, translations, static files, migration scripts) are listed as
namespace packages so setuptools ships them without warning.
"""

from setuptools import find_namespace_packages, setup

EXCLUDE = ["*.__pycache__", "*.__pycache__.*"]

setup(
    packages=[
        *find_namespace_packages(
            include=["rekruttering", "rekruttering.*", "jobs", "jobs.*"], exclude=EXCLUDE
        ),
        "rekruttering_templates",
        *(
            f"rekruttering_templates.{name}"
            for name in find_namespace_packages(where="templates", exclude=EXCLUDE)
        ),
    ],
    package_dir={"rekruttering_templates": "templates"},
    package_data={
        "rekruttering_templates": ["**/*.html", "**/*.txt", "**/*.svg", "*.html"],
        "rekruttering": [
            "migrations/*.py",
            "migrations/*.mako",
            "migrations/*.ini",
            "migrations/versions/*.py",
            "**/translations/nb/LC_MESSAGES/*.mo",
            "**/translations/nb/LC_MESSAGES/*.po",
            "static/**/*",
            "auth/data/*.txt",
        ],
    },
)
