"""Reference data: the city's territory, organisations, programmes and the people who work in them; the codes
of diagnoses."""

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.models import TimeStampedModel
from core.validators import fold_name


class Okrug(models.Model):
    code = models.CharField(_("code"), max_length=10, unique=True)
    name = models.CharField(_("name"), max_length=200, unique=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("okrug")
        verbose_name_plural = _("okrugs")

    def __str__(self) -> str:
        return self.name


class District(models.Model):
    class Kind(models.TextChoices):
        DISTRICT = "district", _("district")
        SETTLEMENT = "settlement", _("settlement")
        URBAN_OKRUG = "urban_okrug", _("urban okrug")

    okrug = models.ForeignKey(Okrug, on_delete=models.PROTECT, related_name="districts", verbose_name=_("okrug"))
    name = models.CharField(_("name"), max_length=200, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.DISTRICT)
    population = models.PositiveIntegerField(_("population"), default=0)

    class Meta:
        ordering = ["name"]
        verbose_name = _("district")
        verbose_name_plural = _("districts")

    def __str__(self) -> str:
        return self.name


class Programme(models.Model):
    """A support programme; reference data, never a code branch."""

    code = models.SlugField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("programme")
        verbose_name_plural = _("programmes")

    def __str__(self) -> str:
        return self.name


class Organisation(TimeStampedModel):
    class Kind(models.TextChoices):
        TCSO = "tcso", _("Territorial social service centre (TCSO)")
        HOSPITAL = "hospital", _("Hospital")
        POLYCLINIC = "polyclinic", _("Polyclinic")
        ONCOLOGY_CENTRE = "oncology_centre", _("Outpatient oncology centre")
        PSYCH_SERVICE = "psych_service", _("Psychological service")
        CALL_CENTRE = "call_centre", _("Call centre")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, db_index=True)
    name = models.CharField(_("name"), max_length=300, unique=True)
    short_name = models.CharField(_("short name"), max_length=100, blank=True)
    okrug = models.ForeignKey(
        Okrug,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="organisations",
        verbose_name=_("okrug"),
    )
    districts = models.ManyToManyField(
        District, blank=True, related_name="organisations", verbose_name=_("districts served")
    )
    programmes = models.ManyToManyField(
        Programme, blank=True, related_name="organisations", verbose_name=_("programmes")
    )
    address = models.CharField(_("address"), max_length=300, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True, help_text=_("E.164, e.g. +74958704509"))
    working_hours = models.CharField(_("working hours"), max_length=100, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self) -> str:
        return self.short_name or self.name


class Skill(models.Model):
    code = models.SlugField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=200)

    class Meta:
        ordering = ["name"]
        verbose_name = _("skill")
        verbose_name_plural = _("skills")

    def __str__(self) -> str:
        return self.name


class Worker(TimeStampedModel):
    """Someone who works for a programme: staff member or volunteer (FHIR PractitionerRole)."""

    class Kind(models.TextChoices):
        STAFF = "staff", _("staff")
        VOLUNTEER = "volunteer", _("volunteer")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="worker",
        verbose_name=_("user account"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.STAFF)
    surname = models.CharField(_("surname"), max_length=100)
    given_name = models.CharField(_("given name"), max_length=100)
    patronymic = models.CharField(_("patronymic"), max_length=100, blank=True)
    position = models.CharField(_("position"), max_length=200, blank=True)
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="workers",
        verbose_name=_("organisation"),
    )
    districts = models.ManyToManyField(District, blank=True, related_name="workers", verbose_name=_("districts served"))
    skills = models.ManyToManyField(Skill, blank=True, related_name="workers", verbose_name=_("skills"))
    public_phone = models.CharField(
        _("phone shown to citizens"), max_length=20, blank=True, help_text=_("E.164, e.g. +74958704509")
    )
    daily_capacity = models.PositiveSmallIntegerField(_("tasks per day"), default=8)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["surname", "given_name"]
        verbose_name = _("worker")
        verbose_name_plural = _("workers")

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.surname, self.given_name, self.patronymic) if p)


class DiagnosisCode(models.Model):
    """A code of ICD-10 (МКБ-10) as used in Russia: a 3-character category or a 4-character subcategory.

    Loaded from ``data/`` by ``load_reference``; a code that leaves the list is deactivated, never deleted,
    since referrals made under it still name it.
    """

    code = models.CharField(_("code"), max_length=10, unique=True)
    name = models.CharField(_("name"), max_length=500)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="subcategories",
        verbose_name=_("category"),
        help_text=_("The 3-character category of a 4-character subcategory; empty for a category."),
    )
    block_code = models.CharField(_("block"), max_length=10, blank=True, help_text=_("e.g. C00-C14"))
    is_active = models.BooleanField(_("active"), default=True)
    # Search column: the name lower-cased with ё folded to е, kept in step by save() and the loader.
    name_folded = models.CharField(max_length=500, editable=False, default="")

    class Meta:
        ordering = ["code"]
        verbose_name = _("diagnosis code")
        verbose_name_plural = _("diagnosis codes")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.name_folded = fold_name(self.name)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "name" in update_fields:
            kwargs["update_fields"] = {*update_fields, "name_folded"}
        super().save(*args, **kwargs)
