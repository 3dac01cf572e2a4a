from django.apps import AppConfig


class DesignerConfig(AppConfig):
    name = "designer"
    verbose_name = "Netloom designer"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from designer.realtime.broadcast import on_revision_saved
        from designer.signals import revision_saved

        revision_saved.connect(on_revision_saved, dispatch_uid="realtime-broadcast")
