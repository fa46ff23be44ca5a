from django.urls import path

from kmslab.quiz import views

app_name = "quiz"

urlpatterns = [
    path("", views.index, name="index"),
    path("start/", views.start, name="start"),
    path("history/", views.history, name="history"),
    path("s/<int:sitting_id>/", views.sitting, name="sitting"),
    path("s/<int:sitting_id>/item/<int:item_id>/answer/", views.answer, name="answer"),
    path("s/<int:sitting_id>/next/", views.next_question, name="next"),
    path("s/<int:sitting_id>/finish/", views.finish, name="finish"),
    path("s/<int:sitting_id>/results/", views.results, name="results"),
]
