from django.urls import path

from kmslab.classroom.views import home, learn, teach

app_name = "classroom"

urlpatterns = [
    path("", home.index, name="index"),
    # learners
    path("join/", learn.join, name="join"),
    path("join/<str:code>/", learn.join, name="join_code"),
    path("my/<str:code>/", learn.mine, name="mine"),
    path("my/<str:code>/leave/", learn.leave, name="leave"),
    # instructors
    path("new/", teach.create, name="create"),
    path("<int:pk>/", teach.dashboard, name="dashboard"),
    path("<int:pk>/edit/", teach.edit, name="edit"),
    path("<int:pk>/open/", teach.set_open, name="set_open"),
    path("<int:pk>/delete/", teach.delete, name="delete"),
    path("<int:pk>/export.csv", teach.export, name="export"),
    path("<int:pk>/learners/<int:member>/", teach.learner, name="learner"),
]
