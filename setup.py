"""Ships ``templates/`` (beside the package, as the design card wants) inside the wheel.

Everything else is in pyproject.toml; this file only maps the top-level templates
folder to the importable data package ``rekruttering_templates``.
"""

from setuptools import find_packages, setup

setup(
    packages=[
        *find_packages(include=["rekruttering", "rekruttering.*", "jobs", "jobs.*"]),
        "rekruttering_templates",
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
        ],
    },
)
